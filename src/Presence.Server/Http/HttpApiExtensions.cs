using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Presence.Server.Http;

public static class HttpApiExtensions
{
    public static IServiceCollection AddPresenceApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HttpApiOptions>().Bind(configuration.GetSection(HttpApiOptions.Section));
        services.AddSingleton<ApiToken>();
        return services;
    }
}
