using System.Net;
using Presence.Grains.Tests.Storage;
using Presence.Server.Tests.Infrastructure;
using Presence.Server.Tests.Telemetry;

namespace Presence.Server.Tests.Cluster;

/// <summary>
/// A cluster's telemetry (two silos and an edge on one PostgreSQL): each member's /metrics with the product's and
/// Orleans' instruments, what each role counts, and one trace from the edge's SIP request to the user's grain on a silo.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTelemetryTests(PostgresServer postgres)
{
    [Fact]
    public async Task Every_member_serves_its_metrics_and_orleans_own_and_each_role_counts_what_it_does()
    {
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await Task.WhenAll(cluster.StartSiloAsync("silo1"), cluster.StartSiloAsync("silo2"), cluster.StartEdgeAsync("edge1"));
        await cluster.WaitForMembersAsync();
        await cluster.ProvisionAsync("alice");
        await using (var alice = cluster.UserAgent("alice", "edge1"))
            Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        string home = await cluster.SiloOfAsync("sip:alice@example.com");

        var edge = cluster["edge1"];
        using (var anonymous = new HttpClient { BaseAddress = edge.HttpBase })
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        var pages = new Dictionary<string, MetricsScrape>();
        foreach (var name in new[] { "silo1", "silo2", "edge1" })
            pages[name] = await MetricsScrape.FromAsync(cluster[name].HttpBase!, ServerProcess.ApiToken);

        foreach (var (name, page) in pages)
        {
            // Every member sees the same membership, by role.
            Assert.True(page["presence_cluster_silos{presence_role=\"silo\"}"] == 2, $"{name}:\n{page.Text}");
            Assert.True(page["presence_cluster_silos{presence_role=\"edge\"}"] == 1, $"{name}:\n{page.Text}");
            // Orleans' own instruments are there too.
            Assert.Contains(page.Text.Split('\n'), line => MetricsScrape.ScopeOf(line) == "Microsoft.Orleans");
            await page.AssertPromtoolAcceptsAsync();
        }
        // The edge handled the SIP (the challenge, then the REGISTER with credentials); it hosts no users.
        Assert.Equal(1, pages["edge1"]["sip_server_requests_total{sip_method=\"REGISTER\",sip_response_status_class=\"2xx\"}"]);
        Assert.Equal(1, pages["edge1"]["sip_server_requests_total{sip_method=\"REGISTER\",sip_response_status_class=\"4xx\"}"]);
        Assert.DoesNotContain("presence_users_active", pages["edge1"].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("presence_store", pages["edge1"].Text, StringComparison.Ordinal);
        // Alice's silo holds her grain and her registration; the silos speak no SIP.
        Assert.Equal(1, pages[home]["presence_registrations"]);
        Assert.Equal(1, pages[home]["presence_users_active"]);
        Assert.All(new[] { "silo1", "silo2" }, silo => Assert.DoesNotContain("sip_server_requests_total", pages[silo].Text, StringComparison.Ordinal));
        Assert.True(pages[home]["presence_store_writes_total"] >= 1, pages[home].Text);
    }

    [Fact]
    public async Task A_request_through_the_edge_is_one_trace_from_the_edge_to_the_users_grain_on_a_silo()
    {
        await using var collector = new FakeOtlpCollector();
        string[] Otlp(string service) =>
        [
            $"--OTEL_EXPORTER_OTLP_TRACES_ENDPOINT={collector.Url}/v1/traces",
            "--OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf",
            "--OTEL_BSP_SCHEDULE_DELAY=100",
            $"--OTEL_SERVICE_NAME={service}",
        ];
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await cluster.StartSiloAsync("silo1", Otlp("silo-under-test"));
        await cluster.StartEdgeAsync("edge1", Otlp("edge-under-test"));
        await cluster.WaitForMembersAsync();
        await cluster.ProvisionAsync("traced");
        await using (var traced = cluster.UserAgent("traced", "edge1"))
            Assert.Equal(200, (await traced.RegisterAsync()).StatusCode);

        var timeout = TimeSpan.FromSeconds(20);
        await collector.WaitForAsync("/v1/traces", timeout, "edge-under-test", "SIP REGISTER");
        await collector.WaitForAsync("/v1/traces", timeout, "silo-under-test", "presentity turn");
        // Only traces were asked for: no metrics, no logs.
        Assert.All(collector.Paths, path => Assert.Equal("/v1/traces", path));

        // The REGISTER that succeeded (the one with credentials) and the grain turn it caused on the silo share a
        // trace: Orleans carries the trace context across the grain call. (The exports come in batches: wait for both.)
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var edgeSpans = collector.Bodies("/v1/traces", "edge-under-test").SelectMany(OtlpSpans.Read).ToList();
            var turns = collector.Bodies("/v1/traces", "silo-under-test").SelectMany(OtlpSpans.Read).Where(s => s.Name == "presentity turn").ToList();
            var register = edgeSpans.FirstOrDefault(r => r.Name == "SIP REGISTER" && turns.Any(t => t.TraceId == r.TraceId));
            if (register is not null)
            {
                // Between them, Orleans' own span of the call on the edge.
                Assert.True(edgeSpans.Count(s => s.TraceId == register.TraceId) >= 2, "the edge's grain call is a span of the trace");
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "no REGISTER on the edge shares a trace with a grain turn on the silo");
            await Task.Delay(100);
        }
    }
}
