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
}
