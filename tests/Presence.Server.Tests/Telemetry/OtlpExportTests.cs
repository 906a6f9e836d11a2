using Microsoft.Extensions.Configuration;
using Presence.Server.Telemetry;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests.Telemetry;

/// <summary>OTLP export: on only when the standard variables ask for it, and then metrics, spans and logs reach a collector.</summary>
public sealed class OtlpExportTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Export_is_off_unless_an_endpoint_is_configured()
    {
        Assert.False(OtlpExport.IsEnabled(Config(), OtlpExport.Metrics));
        Assert.False(OtlpExport.IsEnabled(Config(("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")), OtlpExport.Traces));

        var all = Config(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"));
        Assert.True(OtlpExport.IsEnabled(all, OtlpExport.Metrics));
        Assert.True(OtlpExport.IsEnabled(all, OtlpExport.Traces));
        Assert.True(OtlpExport.IsEnabled(all, OtlpExport.Logs));

        var tracesOnly = Config(("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces"));
        Assert.True(OtlpExport.IsEnabled(tracesOnly, OtlpExport.Traces));
        Assert.False(OtlpExport.IsEnabled(tracesOnly, OtlpExport.Metrics));

        Assert.False(OtlpExport.IsEnabled(Config(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), ("OTEL_SDK_DISABLED", "true")), OtlpExport.Traces));
        Assert.False(OtlpExport.IsEnabled(Config(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), ("OTEL_LOGS_EXPORTER", "none")), OtlpExport.Logs));
    }

    [Fact]
    public async Task Metrics_spans_and_logs_reach_an_otlp_collector()
    {
        await using var collector = new FakeOtlpCollector();
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs:
        [
            $"--OTEL_EXPORTER_OTLP_ENDPOINT={collector.Url}",
            "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
            "--OTEL_METRIC_EXPORT_INTERVAL=500",
            "--OTEL_BSP_SCHEDULE_DELAY=100",
            "--OTEL_BLRP_SCHEDULE_DELAY=100",
            "--OTEL_SERVICE_NAME=presence-under-test",
        ]);
        await using var alice = new TestUserAgent(server.Port, "otlp-alice");
        await using var bob = new TestUserAgent(server.Port, "otlp-bob");
        Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor)).StatusCode);
        await bob.NextNotifyAsync();
        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        await bob.NextNotifyAsync();

        var timeout = TimeSpan.FromSeconds(20);
        // The batch processor may put one request's spans in different exports: look for each on its own.
        foreach (var span in new[] { "SIP REGISTER", "presentity turn", "store commit", "SIP NOTIFY" })
            await collector.WaitForAsync("/v1/traces", timeout, "presence-under-test", "Presence.Orleans", span);
        await collector.WaitForAsync("/v1/metrics", timeout, "Presence.Orleans", "sip.server.requests", "presence.notify.delay", "presence.users.active");
        await collector.WaitForAsync("/v1/logs", timeout, "SIP listening on");
    }
}
