using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Presence.Server.Http;

public static class HttpApiExtensions
{
    public static IServiceCollection AddPresenceApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HttpApiOptions>().Bind(configuration.GetSection(HttpApiOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HttpApiOptions>, HttpApiOptionsValidator>();
        services.AddSingleton<ApiToken>();
        return services;
    }
}
