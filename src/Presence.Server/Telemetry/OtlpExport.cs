using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Presence.Server.Telemetry;

/// <summary>
/// OTLP export to an OpenTelemetry collector, switched on by the standard environment variables only:
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> for every signal, or <c>OTEL_EXPORTER_OTLP_{METRICS,TRACES,LOGS}_ENDPOINT</c> for
/// one (the same keys also work as configuration: appsettings.json or <c>--OTEL_EXPORTER_OTLP_ENDPOINT=…</c>).
/// Without them nothing is exported and nothing listens to the spans. The signal-specific endpoint, protocol, headers
/// and timeout are applied here as the OpenTelemetry specification says (a signal's endpoint is its full URL).
/// </summary>
public static class OtlpExport
{
    public const string Metrics = "METRICS";
    public const string Traces = "TRACES";
    public const string Logs = "LOGS";

    /// <summary>True when <paramref name="signal"/> ("METRICS", "TRACES", "LOGS") is to be exported.</summary>
    public static bool IsEnabled(IConfiguration configuration, string signal)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.Equals(configuration["OTEL_SDK_DISABLED"], "true", StringComparison.OrdinalIgnoreCase)
            || string.Equals(configuration[$"OTEL_{signal}_EXPORTER"], "none", StringComparison.OrdinalIgnoreCase))
            return false;
        return !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
            || !string.IsNullOrWhiteSpace(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]);
    }

    /// <summary>Exports the log records of every category (at the levels Logging:LogLevel lets through), with their event ids and trace ids.</summary>
    public static ILoggingBuilder AddOtlpLogs(this ILoggingBuilder logging, IConfiguration configuration, string role)
    {
        ArgumentNullException.ThrowIfNull(logging);
        if (!IsEnabled(configuration, Logs))
            return logging;
        logging.AddOpenTelemetry(options =>
        {
            options.IncludeFormattedMessage = true;
            options.SetResourceBuilder(Resource(role));
            options.AddOtlpExporter(exporter => ApplySignalSettings(exporter, configuration, Logs));
        });
        return logging;
    }

    internal static ResourceBuilder Resource(string role) => Resource(ResourceBuilder.CreateEmpty(), role);

    // The environment (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) is added last, so it wins over these defaults.
    private static ResourceBuilder Resource(ResourceBuilder builder, string role) =>
        builder.Clear()
            .AddService("presence-orleans", serviceVersion: PresenceTelemetry.Version, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId)
            .AddAttributes([new KeyValuePair<string, object>("presence.role", role)])
            .AddTelemetrySdk()
            .AddEnvironmentVariableDetector();

    /// <summary>
    /// The one meter provider of the process (OpenTelemetry.Extensions.Hosting): the product's meter and Orleans' meter,
    /// read by the Prometheus exporter (/metrics), by the dashboard (<see cref="MetricsSnapshot"/>), and by OTLP when a
    /// collector is configured; and, only when traces are to be exported, the tracer provider with the product's,
    /// ASP.NET Core's and Orleans' activity sources.
    /// </summary>
    internal static void AddProviders(IServiceCollection services, IConfiguration configuration, string role)
    {
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => Resource(resource, role));
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(PresenceTelemetry.Name, OrleansMeter)
                // Orleans' instruments have no description; Prometheus wants a HELP line for each family.
                .AddView(instrument => instrument.Meter.Name == OrleansMeter && string.IsNullOrEmpty(instrument.Description)
                    ? new MetricStreamConfiguration { Description = $"Orleans' {instrument.Name}" + (instrument.Unit is { Length: > 0 } unit ? $" ({unit})" : string.Empty) }
                    : null)
                // Each scrape reads the instruments afresh (the exporter's default caches a page for 300 ms).
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0)
                .AddReader(sp => sp.GetRequiredService<MetricsSnapshot>().Reader);
            if (IsEnabled(configuration, Metrics))
                metrics.AddOtlpExporter((exporter, _) => ApplySignalSettings(exporter, configuration, Metrics));
        });
        if (IsEnabled(configuration, Traces))
        {
            telemetry.WithTracing(tracing => tracing
                // The HTTP API's requests (ASP.NET Core's own spans) become the parents of the grain calls they cause, and
                // Orleans' spans carry a request's trace from the SIP node to the silo of the user's grain.
                .AddSource(PresenceTelemetry.Name, "Microsoft.AspNetCore", OrleansApplicationSource, OrleansRuntimeSource)
                .AddOtlpExporter(exporter => ApplySignalSettings(exporter, configuration, Traces)));
        }
    }

    /// <summary>Orleans 10's meter and its activity sources for grain calls (ORLEANS-NOTES.md "Telemetry").</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    public const string OrleansApplicationSource = "Microsoft.Orleans.Application";

    public const string OrleansRuntimeSource = "Microsoft.Orleans.Runtime";

    // OTEL_EXPORTER_OTLP_{SIGNAL}_*: used as given (a signal's endpoint is its full URL, OpenTelemetry's rule),
    // over the generic settings the exporter has read already.
    private static void ApplySignalSettings(OtlpExporterOptions exporter, IConfiguration configuration, string signal)
    {
        string prefix = $"OTEL_EXPORTER_OTLP_{signal}_";
        if (configuration[prefix + "PROTOCOL"] is { Length: > 0 } protocol)
            exporter.Protocol = protocol.Trim() == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        if (configuration[prefix + "ENDPOINT"] is { Length: > 0 } endpoint && Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri))
            exporter.Endpoint = uri;
        if (configuration[prefix + "HEADERS"] is { Length: > 0 } headers)
            exporter.Headers = headers;
        if (int.TryParse(configuration[prefix + "TIMEOUT"], out int timeout) && timeout > 0)
            exporter.TimeoutMilliseconds = timeout;
    }
}

/// <summary>The process's role as telemetry names it ("both", "silo", "edge").</summary>
internal sealed record TelemetryRole(string Name);
