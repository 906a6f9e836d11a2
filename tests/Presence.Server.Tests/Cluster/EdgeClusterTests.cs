using System.Diagnostics;
using Presence.Grains.Tests.Storage;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Cluster;

/// <summary>
/// Clients that only know the edges: two silos, two edges. A NOTIFY leaves through the edge that holds its watcher's
/// flow, whatever silo the user's grain is on: over UDP from that edge's address, over TCP on the watcher's own
/// connection (the edge's GrainService sends it), and so across a silo's death.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EdgeClusterTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const string Pidf = "application/pidf+xml";

    [Fact]
    public async Task Notifies_leave_through_the_edge_that_holds_the_watchers_flow_and_survive_a_silo_kill()
    {
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await Task.WhenAll(cluster.StartSiloAsync("silo1"), cluster.StartSiloAsync("silo2"));
        await Task.WhenAll(cluster.StartEdgeAsync("edge1"), cluster.StartEdgeAsync("edge2"));
        await cluster.WaitForMembersAsync();
        await cluster.ProvisionAsync("alice", "bob", "carol");
        await using var alice = cluster.UserAgent("alice", "edge1");
        await using var bob = cluster.UserAgent("bob", "edge2");
        // Carol is a phone on one TCP connection to edge2 (behind NAT, say): she hears NOTIFYs on it or not at all.
        await using var carol = await TcpWatcher.ConnectAsync(cluster["edge2"].Port, "carol");
        carol.Credentials = ("carol", LocalCluster.Password("carol"));

        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await bob.RegisterAsync()).StatusCode);
        var bobWatches = await bob.SubscribeAsync(alice.Aor, expires: 3600);
        Assert.Equal(200, bobWatches.StatusCode);
        Assert.Equal(200, (await alice.SubscribeAsync(bob.Aor, expires: 3600)).StatusCode);
        Assert.Equal(200, (await carol.SubscribeAsync(alice.Aor, alice.Aor, expires: 3600)).StatusCode);

        Assert.Equal(200, (await alice.PublishAsync(Pidf, ClusterTests.Document(alice.Aor, "in a meeting"))).StatusCode);
        var toBob = await ClusterTests.NotifyWithNoteAsync(bob, "in a meeting");
        // From the edge that holds Bob's flow (the one his SUBSCRIBE reached), not from Alice's edge or silo.
        Assert.Equal(cluster["edge2"].Port, toBob.TopVia!.Port);
        var toCarol = await ClusterTests.NotifyWithNoteAsync(left => carol.NextNotifyAsync(left), "in a meeting");
        Assert.Equal("TCP", toCarol.TopVia!.Transport, ignoreCase: true);
        Assert.Equal(200, (await bob.PublishAsync(Pidf, ClusterTests.Document(bob.Aor, "at lunch"))).StatusCode);
        var toAlice = await ClusterTests.NotifyWithNoteAsync(alice, "at lunch");
        Assert.Equal(cluster["edge1"].Port, toAlice.TopVia!.Port);

        // Alice's silo dies. Through the same edges, she is served by the other silo within seconds.
        string home = await cluster.SiloOfAsync(alice.Aor);
        var killed = Stopwatch.StartNew();
        await cluster.KillAsync(home);
        SipMessage published;
        while ((published = await alice.PublishAsync(Pidf, ClusterTests.Document(alice.Aor, "back"))).StatusCode == 503)
        {
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(10), "no silo took Alice over");
            await Task.Delay(50);
        }
        Assert.Equal(200, published.StatusCode);
        output.WriteLine($"SIGKILL of {home} -> Alice served through edge1: {killed.ElapsedMilliseconds} ms");
        var after = await ClusterTests.NotifyWithNoteAsync(bob, "back");
        Assert.Equal((toBob.CallId, toBob.GetFirst(HeaderId.From)), (after.CallId, after.GetFirst(HeaderId.From)));
        Assert.True(after.CSeq > toBob.CSeq);
        var afterCarol = await ClusterTests.NotifyWithNoteAsync(left => carol.NextNotifyAsync(left), "back");
        Assert.True(afterCarol.CSeq > toCarol.CSeq);
        // Bob refreshes his subscription in its dialog, through his edge.
        var refreshed = await bob.SubscribeAsync(alice.Aor, callId: bobWatches.CallId, toTag: bobWatches.GetTo()!.Tag, cseq: 100);
        Assert.Equal(200, refreshed.StatusCode);
    }

    [Fact]
    public async Task A_websocket_watcher_on_an_edge_gets_its_notifies_on_its_websocket_also_after_the_users_silo_dies()
    {
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await Task.WhenAll(cluster.StartSiloAsync("silo1"), cluster.StartSiloAsync("silo2"));
        int wsPort = ServerProcess.FreePort("127.0.0.1");
        var edge = await cluster.StartEdgeAsync("edge1", $"--Sip:WebSocket:Port={wsPort}");
        await edge.WaitForOutputAsync($"Now listening on: http://127.0.0.1:{wsPort}", TimeSpan.FromSeconds(10));
        await cluster.WaitForMembersAsync();
        await cluster.ProvisionAsync("alice", "web");
        await using var alice = cluster.UserAgent("alice", "edge1");
        await using var web = await WebSocketSipClient.ConnectAsync(wsPort, "web");
        var credentials = ("web", LocalCluster.Password("web"));

        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await web.SendAsync("REGISTER", "sip:example.com", "sip:web@example.com", "sip:web@example.com",
            $"Contact: <{web.Contact};ob>\r\nExpires: 600\r\n", credentials)).StatusCode);
        Assert.Equal(200, (await web.SendAsync("SUBSCRIBE", alice.Aor, "sip:web@example.com", alice.Aor,
            $"Contact: <{web.Contact};ob>\r\nEvent: presence\r\nAccept: application/pidf+xml\r\nExpires: 3600\r\n", credentials)).StatusCode);
        Assert.Equal("available", TestUserAgent.ExtendedOf(await web.NextNotifyAsync()));

        // Alice's grain is on a silo; the NOTIFY leaves through the edge that holds web's WebSocket, on it.
        Assert.Equal(200, (await alice.PublishAsync(Pidf, ClusterTests.Document(alice.Aor, "in a meeting"))).StatusCode);
        var first = await ClusterTests.NotifyWithNoteAsync(left => web.NextNotifyAsync(left), "in a meeting");
        Assert.Equal("WS", first.TopVia!.Transport, ignoreCase: true);

        // Her silo dies: the other takes her, and web's next NOTIFY still comes on its WebSocket, in the same dialog.
        string home = await cluster.SiloOfAsync(alice.Aor);
        await cluster.KillAsync(home);
        var killed = Stopwatch.StartNew();
        while ((await alice.PublishAsync(Pidf, ClusterTests.Document(alice.Aor, "back"))).StatusCode != 200)
        {
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(10), "no silo took Alice over");
            await Task.Delay(50);
        }
        var after = await ClusterTests.NotifyWithNoteAsync(left => web.NextNotifyAsync(left), "back");
        output.WriteLine($"SIGKILL of {home} -> NOTIFY on web's WebSocket {killed.ElapsedMilliseconds} ms later");
        Assert.Equal(first.CallId, after.CallId);
        Assert.True(after.CSeq > first.CSeq);
    }
}
