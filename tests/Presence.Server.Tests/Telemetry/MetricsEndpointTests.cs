using System.Net;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Telemetry;

/// <summary>
/// /metrics on the real process: a scripted workload, then a scrape that finds exactly the counts it caused and that
/// promtool accepts; the token rules; an edge's page.
/// </summary>
public sealed class MetricsEndpointTests
{
    private const string Pidf = "application/pidf+xml";
    private const string ReadToken = "read-token-0123456789";

    // Do-not-disturb with a comment: each new comment changes the document, so each PUBLISH makes a NOTIFY.
    private static string Dnd(string user, string comment) =>
        "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:po=\"urn:presence-orleans:params:xml:ns:pidf-ext\""
        + $" entity=\"sip:{user}@example.com\"><tuple id=\"t\"><status><basic>open</basic></status></tuple>"
        + $"<po:donotdisturb>{comment}</po:donotdisturb></presence>";

    [Fact]
    public async Task A_workload_shows_up_exactly_in_the_metrics_and_promtool_accepts_the_page()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs: [$"--Http:ReadToken={ReadToken}"]);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");

        Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor)).StatusCode);
        await bob.NextNotifyAsync();
        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        await bob.NextNotifyAsync();
        const int publishes = 3;
        string? etag = null;
        for (int i = 0; i < publishes; i++)
        {
            var published = await alice.PublishAsync(Pidf, Dnd("alice", "away " + i), etag: etag);
            Assert.Equal(200, published.StatusCode);
            etag = published.GetFirst(HeaderId.SipETag);
            await bob.NextNotifyAsync();
        }
        // One request the core refuses: a PUBLISH without an Event (489 Bad Event, RFC 3903 §6 step 2).
        var bad = await alice.SendAsync("PUBLISH", alice.Aor, alice.Aor, alice.Aor, "Expires: 60\r\n");
        Assert.Equal(489, bad.StatusCode);
        int notifies = 2 + publishes;

        var page = await MetricsScrape.FromAsync(server.HttpBase!, ReadToken);

        Assert.Equal(publishes, page["sip_server_requests_total{sip_method=\"PUBLISH\",sip_response_status_class=\"2xx\"}"]);
        Assert.Equal(1, page["sip_server_requests_total{sip_method=\"PUBLISH\",sip_response_status_class=\"4xx\"}"]);
        Assert.Equal(1, page["sip_server_requests_total{sip_method=\"REGISTER\",sip_response_status_class=\"2xx\"}"]);
        Assert.Equal(1, page["sip_server_requests_total{sip_method=\"SUBSCRIBE\",sip_response_status_class=\"2xx\"}"]);
        Assert.Equal(publishes + 2, page["sip_server_responses_total{sip_response_status_class=\"2xx\"}"]);
        Assert.Equal(1, page["sip_server_responses_total{sip_response_status_class=\"4xx\"}"]);
        Assert.True(page["presence_notify_sent_total"] >= notifies, page.Text);
        Assert.Equal(0, page["presence_notify_failed_total"]);
        // Every NOTIFY sent has its change→NOTIFY delay measured.
        Assert.Equal(page["presence_notify_sent_total"], page["presence_notify_delay_seconds_count"]);
        Assert.Equal(page["presence_notify_delay_seconds_count"], page["presence_notify_delay_seconds_bucket{le=\"+Inf\"}"]);
        Assert.True(page["presence_notify_delay_seconds_sum"] > 0);
        Assert.Equal(1, page["presence_subscriptions"]);
        Assert.Equal(1, page["presence_registrations"]);
        Assert.True(page["presence_users_active"] >= 1);
        // The SUBSCRIBE, the REGISTER and the PUBLISHes each wrote alice once, at least.
        Assert.True(page["presence_store_writes_total"] >= publishes + 2, page.Text);
        Assert.True(page["presence_store_commit_batch_size_count"] >= 1);
        Assert.Equal(page["presence_store_writes_total"], page["presence_store_commit_batch_size_sum"]);
        Assert.True(page["presence_store_commit_duration_seconds_count"] >= 1);
        Assert.Equal(0, page["sip_server_parse_errors_total{sip_parse_error_outcome=\"answered\"}"]);
        Assert.Equal(0, page["sip_server_parse_errors_total{sip_parse_error_outcome=\"dropped\"}"]);
        Assert.Contains("# TYPE presence_notify_delay_seconds histogram", page.Text, StringComparison.Ordinal);

        await page.AssertPromtoolAcceptsAsync();
    }

    [Fact]
    public async Task The_user_gauges_follow_users_out_of_memory_and_back()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs: ["--Presence:IdleTimeout=00:00:03"]);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");
        Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor)).StatusCode);
        await bob.NextNotifyAsync();
        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        await bob.NextNotifyAsync();

        var page = await MetricsScrape.FromAsync(server.HttpBase!, ServerProcess.ApiToken);
        Assert.Equal((1, 1, 1), (page["presence_users_active"], page["presence_subscriptions"], page["presence_registrations"]));

        // Idle for the timeout: alice's grain leaves memory and takes its share of the gauges with it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (page["presence_users_active"] != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            page = await MetricsScrape.FromAsync(server.HttpBase!, ServerProcess.ApiToken);
        }
        Assert.Equal((0, 0, 0), (page["presence_users_active"], page["presence_subscriptions"], page["presence_registrations"]));

        // Her next turn loads her from the store, subscription and binding included.
        Assert.Equal(200, (await alice.PublishAsync(Pidf, Dnd("alice", "back soon"))).StatusCode);
        await bob.NextNotifyAsync();
        page = await MetricsScrape.FromAsync(server.HttpBase!, ServerProcess.ApiToken);
        Assert.Equal((1, 1, 1), (page["presence_users_active"], page["presence_subscriptions"], page["presence_registrations"]));
    }

    [Fact]
    public async Task Metrics_need_a_token_and_the_read_token_is_enough()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs: [$"--Http:ReadToken={ReadToken}"]);
        using var anonymous = new HttpClient { BaseAddress = server.HttpBase };
        using var denied = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal("Bearer", denied.Headers.WwwAuthenticate.ToString());

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(wrong)).StatusCode);

        await MetricsScrape.FromAsync(server.HttpBase!, ReadToken);
        var operatorPage = await MetricsScrape.FromAsync(server.HttpBase!, ServerProcess.ApiToken);
        Assert.Contains("sip_server_transactions", operatorPage.Text, StringComparison.Ordinal);
    }
}
