using System.Net;
using System.Text.Json;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Edge;

/// <summary>A silo (role both) and an edge in front of it (role edge), as two real processes.</summary>
public sealed class EdgeClusterFixture : IAsyncLifetime
{
    public ServerProcess Silo { get; private set; } = null!;

    public ServerProcess Edge { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silo = await ServerProcess.StartAsync();
        Edge = await ServerProcess.StartAsync(extraArgs: ["--Cluster:Role=edge", $"--Edge:Silos=udp:127.0.0.1:{Silo.Port}"]);
    }

    public async Task DisposeAsync()
    {
        await Edge.DisposeAsync();
        await Silo.DisposeAsync();
    }
}

/// <summary>
/// Clients that talk only to the edge: their requests reach the silo, the silo's NOTIFYs come back through the
/// edge (Record-Route), and TCP clients get theirs on their own connection. Each test uses users of its own.
/// </summary>
public sealed class EdgeProxyTests(EdgeClusterFixture cluster) : IClassFixture<EdgeClusterFixture>
{
    private const string Pidf = "application/pidf+xml";

    private ServerProcess Silo => cluster.Silo;

    private ServerProcess Edge => cluster.Edge;

    private static string Dnd(string user, string comment) =>
        "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:po=\"urn:presence-orleans:params:xml:ns:pidf-ext\""
        + $" entity=\"sip:{user}@example.com\"><tuple id=\"t\"><status><basic>open</basic></status></tuple>"
        + $"<po:donotdisturb>{comment}</po:donotdisturb></presence>";

    private async Task<JsonElement> PresenceOnSiloAsync(string user)
    {
        using var api = Silo.CreateApiClient();
        return JsonDocument.Parse(await api.GetStringAsync($"/api/users/{user}@example.com/presence")).RootElement;
    }

    [Fact]
    public async Task Register_and_publish_through_the_edge_are_stored_on_the_silo()
    {
        await using var alice = new TestUserAgent(Edge.Port, "edge-alice");

        var registered = await alice.RegisterAsync();
        Assert.Equal(200, registered.StatusCode);
        // The edge took its own Via off: the client sees only its own.
        Assert.StartsWith($"SIP/2.0/UDP 127.0.0.1:{alice.Port};", Assert.Single(registered.GetValues(HeaderId.Via)), StringComparison.Ordinal);
        var published = await alice.PublishAsync(Pidf, Dnd("edge-alice", "Through the edge"));
        Assert.Equal(200, published.StatusCode);
        var refreshed = await alice.PublishAsync(Pidf, body: null, etag: published.GetFirst(HeaderId.SipETag));
        Assert.Equal(200, refreshed.StatusCode);

        var stored = await PresenceOnSiloAsync("edge-alice");
        Assert.Equal("donotdisturb", stored.GetProperty("status").GetString());
        Assert.Equal("Through the edge", stored.GetProperty("note").GetString());
        Assert.Equal(alice.Contact, stored.GetProperty("registrations")[0].GetProperty("contact").GetString());
        Assert.Equal(1, stored.GetProperty("publications").GetInt32());
    }

    [Fact]
    public async Task A_watcher_subscribes_through_the_edge_and_follows_notifies_a_refresh_and_an_unsubscribe()
    {
        await using var alice = new TestUserAgent(Edge.Port, "edge-carol");
        await using var bob = new TestUserAgent(Edge.Port, "edge-bob");

        var subscribed = await bob.SubscribeAsync(alice.Aor);
        Assert.Equal(200, subscribed.StatusCode);
        string recordRoute = Assert.Single(subscribed.GetValues(HeaderId.RecordRoute));
        var edgeUri = NameAddress.Parse(recordRoute).Uri;
        Assert.Equal(("127.0.0.1", Edge.Port, true), (edgeUri.Host, edgeUri.Port!.Value, edgeUri.Parameters.Contains("lr")));
        Assert.False(string.IsNullOrEmpty(edgeUri.User));

        var first = await bob.NextNotifyAsync();
        Assert.Equal("unreachable", TestUserAgent.ExtendedOf(first));
        var vias = first.GetValues(HeaderId.Via).ToList();
        Assert.Equal(2, vias.Count);
        Assert.StartsWith($"SIP/2.0/UDP 127.0.0.1:{Edge.Port};branch=z9hG4bKpx", vias[0], StringComparison.Ordinal);
        Assert.StartsWith($"SIP/2.0/UDP 127.0.0.1:{Silo.Port};", vias[1], StringComparison.Ordinal);
        Assert.Contains("received=127.0.0.1", vias[1], StringComparison.Ordinal);
        Assert.False(first.Has(HeaderId.Route));
        Assert.Equal(69, first.MaxForwards);

        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        var second = await bob.NextNotifyAsync();
        Assert.Equal("available", TestUserAgent.ExtendedOf(second));
        Assert.True(second.CSeq > first.CSeq, $"CSeq {second.CSeq} after {first.CSeq}");

        // In the dialog: to the silo's Contact, through the edge's Record-Route (RFC 3261 §12.2.1.1).
        string target = NameAddress.Parse(subscribed.GetFirst(HeaderId.Contact)!).Uri.ToString();
        string tag = subscribed.GetTo()!.Tag!;
        var refresh = await bob.SendAsync("SUBSCRIBE", target, bob.Aor, alice.Aor,
            $"Route: {recordRoute}\r\nEvent: presence\r\nExpires: 600\r\nContact: <{bob.Contact}>\r\n", callId: subscribed.CallId, toTag: tag);
        Assert.Equal(200, refresh.StatusCode);
        var afterRefresh = await bob.NextNotifyAsync();
        Assert.True(afterRefresh.CSeq > second.CSeq);
        Assert.Equal(subscribed.CallId, afterRefresh.CallId);

        var unsubscribe = await bob.SendAsync("SUBSCRIBE", target, bob.Aor, alice.Aor,
            $"Route: {recordRoute}\r\nEvent: presence\r\nExpires: 0\r\nContact: <{bob.Contact}>\r\n", callId: subscribed.CallId, toTag: tag);
        Assert.Equal(200, unsubscribe.StatusCode);
        var last = await bob.NextNotifyAsync();
        Assert.StartsWith("terminated", last.GetFirst(HeaderId.SubscriptionState), StringComparison.Ordinal);
        Assert.True(last.CSeq > afterRefresh.CSeq);

        await alice.RegisterAsync(expires: 0);
        Assert.True(await bob.NoNotifyWithinAsync(TimeSpan.FromMilliseconds(700)));
    }

    [Fact]
    public async Task A_tcp_watcher_gets_its_notifies_through_the_edge_on_its_own_connection()
    {
        await using var alice = new TestUserAgent(Edge.Port, "edge-dave");
        await using var watcher = await TcpWatcher.ConnectAsync(Edge.Port, "edge-erin");

        var subscribed = await watcher.SubscribeAsync(alice.Aor, alice.Aor);
        Assert.Equal(200, subscribed.StatusCode);
        // RFC 5658: the silo's side (UDP) on top, the client's side (TCP) below; the client's route set is the reverse.
        var routes = subscribed.GetValues(HeaderId.RecordRoute).ToList();
        Assert.Equal(2, routes.Count);
        Assert.Null(NameAddress.Parse(routes[0]).Uri.Parameters["transport"]);
        Assert.Equal("tcp", NameAddress.Parse(routes[1]).Uri.Parameters["transport"]);

        var first = await watcher.NextNotifyAsync();
        Assert.StartsWith($"SIP/2.0/TCP 127.0.0.1:{Edge.Port};branch=z9hG4bKpx", first.GetValues(HeaderId.Via).First(), StringComparison.Ordinal);
        await alice.PublishAsync(Pidf, Dnd("edge-dave", "Busy on the edge"));
        var changed = await watcher.NextNotifyAsync();
        Assert.Equal("donotdisturb", TestUserAgent.ExtendedOf(changed));
        Assert.True(changed.CSeq > first.CSeq);

        string target = NameAddress.Parse(subscribed.GetFirst(HeaderId.Contact)!).Uri.ToString();
        var refresh = await watcher.SubscribeAsync(alice.Aor, target, $"Route: {routes[1]}\r\nRoute: {routes[0]}\r\n", subscribed.CallId, subscribed.GetTo()!.Tag);
        Assert.Equal(200, refresh.StatusCode);
        Assert.True((await watcher.NextNotifyAsync()).CSeq > changed.CSeq);
    }

    [Fact]
    public async Task Max_forwards_zero_is_answered_483_by_the_edge()
    {
        using var raw = new RawSipClient();
        string request = RawSipClient.Request("REGISTER", "sip:example.com", raw.LocalPort).Replace("Max-Forwards: 70", "Max-Forwards: 0", StringComparison.Ordinal);
        var response = await raw.SendUdpAsync(new IPEndPoint(IPAddress.Loopback, Edge.Port), request);
        Assert.NotNull(response);
        Assert.Equal(483, response.StatusCode);
        Assert.True(await EdgeCounterAsync("tooManyHops") >= 1);
    }

    [Fact]
    public async Task A_tampered_flow_token_is_refused_and_the_edge_keeps_working()
    {
        await using var alice = new TestUserAgent(Edge.Port, "edge-frank");
        await using var bob = new TestUserAgent(Edge.Port, "edge-grace");
        var subscribed = await bob.SubscribeAsync(alice.Aor);
        await bob.NextNotifyAsync();
        string recordRoute = subscribed.GetValues(HeaderId.RecordRoute).Single();
        var uri = NameAddress.Parse(recordRoute).Uri;
        string token = uri.User!;
        string tampered = recordRoute.Replace(token, token[..10] + (token[10] == 'A' ? 'B' : 'A') + token[11..], StringComparison.Ordinal);
        string target = NameAddress.Parse(subscribed.GetFirst(HeaderId.Contact)!).Uri.ToString();
        string Headers(string route) => $"Route: {route}\r\nEvent: presence\r\nExpires: 600\r\nContact: <{bob.Contact}>\r\n";

        var refused = await bob.SendAsync("SUBSCRIBE", target, bob.Aor, alice.Aor, Headers(tampered), callId: subscribed.CallId, toTag: subscribed.GetTo()!.Tag);
        Assert.Equal(403, refused.StatusCode);
        Assert.Equal("Invalid Flow Token", refused.ReasonPhrase);
        var garbage = await bob.SendAsync("SUBSCRIBE", target, bob.Aor, alice.Aor,
            Headers($"<sip:%00%ff@127.0.0.1:{Edge.Port};lr>"), callId: subscribed.CallId, toTag: subscribed.GetTo()!.Tag);
        Assert.Equal(403, garbage.StatusCode);

        var accepted = await bob.SendAsync("SUBSCRIBE", target, bob.Aor, alice.Aor, Headers(recordRoute), callId: subscribed.CallId, toTag: subscribed.GetTo()!.Tag);
        Assert.Equal(200, accepted.StatusCode);
        Assert.False(Edge.HasExited);
        Assert.True(await EdgeCounterAsync("badFlowTokens") >= 2);
    }

    [Fact]
    public async Task An_edge_without_silos_answers_503_with_retry_after_and_still_answers_options()
    {
        await using var edge = await ServerProcess.StartAsync(extraArgs: ["--Cluster:Role=edge"]);
        await using var alice = new TestUserAgent(edge.Port, "lonely");

        var refused = await alice.RegisterAsync();
        Assert.Equal(503, refused.StatusCode);
        Assert.Equal("5", refused.GetFirst(HeaderId.RetryAfter));

        // A keep-alive probe addressed to the edge itself is the edge's own to answer.
        using var raw = new RawSipClient();
        var options = await raw.SendUdpAsync(new IPEndPoint(IPAddress.Loopback, edge.Port), RawSipClient.Request("OPTIONS", $"sip:127.0.0.1:{edge.Port}", raw.LocalPort));
        Assert.Equal(200, options!.StatusCode);

        // No users here: no API, only the health probe.
        using var http = edge.CreateApiClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/users/lonely@example.com/presence")).StatusCode);
        var health = JsonDocument.Parse(await http.GetStringAsync("/health")).RootElement;
        Assert.Equal("edge", health.GetProperty("role").GetString());
        Assert.Equal(1, health.GetProperty("counters").GetProperty("unavailable").GetInt64());
    }

    private async Task<long> EdgeCounterAsync(string name)
    {
        using var http = Edge.CreateApiClient();
        return JsonDocument.Parse(await http.GetStringAsync("/health")).RootElement.GetProperty("counters").GetProperty(name).GetInt64();
    }
}
