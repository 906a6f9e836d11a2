using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Presence.Server.Edge;
using Presence.Server.Http;

namespace Presence.Server.Telemetry;

public static class TelemetryHostingExtensions
{
    /// <summary>
    /// Telemetry of every role: the "Presence.Orleans" meter and its instruments beside Orleans' own, served on /metrics
    /// (OpenTelemetry's Prometheus exporter) and to the dashboard, and OTLP export when the OTEL_EXPORTER_OTLP_* variables
    /// ask for it. Register it first: its providers then start before the store and SIP, and stop (flushing) after them.
    /// On an edge with <c>Http:Token</c> set, that token guards /metrics.
    /// </summary>
    public static IServiceCollection AddPresenceTelemetry(this IServiceCollection services, IConfiguration configuration, ClusterRole role)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddMetrics();
        services.TryAddSingleton<PresenceMetrics>();
        services.TryAddSingleton<MetricsSnapshot>();
        services.AddSingleton(new TelemetryRole(role.ToString().ToLowerInvariant()));
        OtlpExport.AddProviders(services, configuration, role.ToString().ToLowerInvariant());
        if (role == ClusterRole.Edge && !string.IsNullOrWhiteSpace(configuration[$"{HttpApiOptions.Section}:{nameof(HttpApiOptions.Token)}"]))
        {
            // An edge has no API, but the operator's token (and a read token beside it) guards its /metrics the same way.
            services.AddOptions<HttpApiOptions>().Bind(configuration.GetSection(HttpApiOptions.Section)).ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpApiOptions>, HttpApiOptionsValidator>());
            services.TryAddSingleton<ApiToken>();
        }
        return services;
    }

    /// <summary>
    /// GET /metrics: the Prometheus text exposition (format 0.0.4) of this process's instruments and Orleans', for a
    /// bearer token of either scope (the read-only one suffices). An edge without <c>Http:Token</c> serves it without one
    /// (and says so at start). Counting starts here, before the host runs, so no request goes uncounted.
    /// </summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        _ = app.ServiceProvider.GetRequiredService<PresenceMetrics>();
        _ = app.ServiceProvider.GetRequiredService<OpenTelemetry.Metrics.MeterProvider>();
        // Whether a token guards it, asked without making the token: options are validated later, inside the host's
        // start, where a bad setting is reported as a configuration error.
        if (app.ServiceProvider.GetService<IServiceProviderIsService>()?.IsService(typeof(ApiToken)) != true)
            TelemetryLog.MetricsWithoutToken(app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MetricsSnapshot)));
        app.MapPrometheusScrapingEndpoint("/metrics").AddEndpointFilter(RequireToken);
        return app;
    }

    internal static async ValueTask<object?> RequireToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.HttpContext.RequestServices.GetService<ApiToken>() is null)
            return await next(context);
        return await TokenFilter.RequireScope(context, next);
    }
}
