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
/// Without them no provider is built, nothing listens to the spans, and export costs nothing.
/// The signal-specific endpoint, protocol, headers and timeout are applied here, since the exporter itself reads them
/// only through OpenTelemetry.Extensions.Hosting, which the package source does not serve.
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

    internal static ResourceBuilder Resource(string role) =>
        // The environment (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) is added last, so it wins over these defaults.
        ResourceBuilder.CreateEmpty()
            .AddService("presence-orleans", serviceVersion: PresenceTelemetry.Version, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId)
            .AddAttributes([new KeyValuePair<string, object>("presence.role", role)])
            .AddTelemetrySdk()
            .AddEnvironmentVariableDetector();

    internal static MeterProvider? BuildMeterProvider(IConfiguration configuration, string role)
    {
        if (!IsEnabled(configuration, Metrics))
            return null;
        return Sdk.CreateMeterProviderBuilder()
            .ConfigureServices(services => services.AddSingleton(configuration))
            .SetResourceBuilder(Resource(role))
            .AddMeter(PresenceTelemetry.Name)
            .AddOtlpExporter((exporter, _) => ApplySignalSettings(exporter, configuration, Metrics))
            .Build();
    }

    internal static TracerProvider? BuildTracerProvider(IConfiguration configuration, string role)
    {
        if (!IsEnabled(configuration, Traces))
            return null;
        return Sdk.CreateTracerProviderBuilder()
            .ConfigureServices(services => services.AddSingleton(configuration))
            .SetResourceBuilder(Resource(role))
            // The HTTP API's requests (ASP.NET Core's own spans) become the parents of the grain turns they cause.
            .AddSource(PresenceTelemetry.Name, "Microsoft.AspNetCore")
            .AddOtlpExporter(exporter => ApplySignalSettings(exporter, configuration, Traces))
            .Build();
    }

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

/// <summary>Holds the OTLP providers for the host's lifetime: built first, disposed (flushed) after everything else has stopped.</summary>
internal sealed class OtlpExportService(IConfiguration configuration, TelemetryRole role) : IHostedService, IDisposable
{
    private MeterProvider? _meters;
    private TracerProvider? _tracer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _meters = OtlpExport.BuildMeterProvider(configuration, role.Name);
        _tracer = OtlpExport.BuildTracerProvider(configuration, role.Name);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        // Disposing flushes what is buffered (the last metrics, the last spans) to the collector.
        _tracer?.Dispose();
        _tracer = null;
        _meters?.Dispose();
        _meters = null;
    }
}

/// <summary>The process's role as telemetry names it ("both", "silo", "edge").</summary>
internal sealed record TelemetryRole(string Name);
