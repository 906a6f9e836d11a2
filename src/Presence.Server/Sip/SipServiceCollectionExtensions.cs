using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Presence.Server.Sip;

public static class SipServiceCollectionExtensions
{
    /// <summary>Wires the SIP endpoint: options from the "Sip" section (validated at start), the dispatcher and the listeners.</summary>
    public static IServiceCollection AddSipEndpoint(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SipOptions>().Bind(configuration.GetSection(SipOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SipOptions>, SipOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SipCapabilities>();
        services.AddSingleton<SipRequestDispatcher>();
        services.AddSingleton<SipEndpointService>();
        services.AddHostedService(sp => sp.GetRequiredService<SipEndpointService>());
        return services;
    }
}
