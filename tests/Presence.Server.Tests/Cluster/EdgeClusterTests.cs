using System.Diagnostics;
using Presence.Cluster.Tests.Storage;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Cluster;

/// <summary>Clients that only know the edges: two silos, two edges, users on different silos reached through either edge.</summary>
[Collection(ClusterCollection.Name)]
public sealed class EdgeClusterTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const string Pidf = "application/pidf+xml";

    [Fact]
    public async Task Users_on_different_silos_reached_through_either_edge_notify_each_other_and_survive_a_silo_kill()
    {
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await Task.WhenAll(cluster.StartSiloAsync("silo1"), cluster.StartSiloAsync("silo2"));
        await Task.WhenAll(cluster.StartEdgeAsync("edge1"), cluster.StartEdgeAsync("edge2"));
        await cluster.WaitForRingAsync();
        var (edge1, edge2) = (cluster.Edges[0], cluster.Edges[1]);
        var alice = ClusterTests.UserOwnedBy(cluster, "silo1", "alice");
        var bob = ClusterTests.UserOwnedBy(cluster, "silo2", "bob");
        await using var aliceUa = new TestUserAgent(edge1.Port, ClusterTests.User(alice));
        await using var bobUa = new TestUserAgent(edge2.Port, ClusterTests.User(bob));

        Assert.Equal(200, (await aliceUa.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await bobUa.RegisterAsync()).StatusCode);
        // Bob watches Alice through edge2; Alice watches Bob through edge1: each SUBSCRIBE crosses to the other silo.
        var bobWatches = await bobUa.SubscribeAsync(alice);
        Assert.Equal(200, bobWatches.StatusCode);
        Assert.Contains(bobWatches.GetFields(HeaderId.RecordRoute), rr => rr.Contains($":{edge2.Port};", StringComparison.Ordinal));
        Assert.Equal(200, (await aliceUa.SubscribeAsync(bob)).StatusCode);

        Assert.Equal(200, (await aliceUa.PublishAsync(Pidf, ClusterTests.Document(alice, "in a meeting"))).StatusCode);
        var toBob = await ClusterTests.NotifyWithNoteAsync(bobUa, "in a meeting");
        // The NOTIFY came back the way the SUBSCRIBE went: through edge2, whose Via is on top.
        Assert.Equal(edge2.Port, toBob.TopVia!.Port);
        Assert.Equal(200, (await bobUa.PublishAsync(Pidf, ClusterTests.Document(bob, "at lunch"))).StatusCode);
        var toAlice = await ClusterTests.NotifyWithNoteAsync(aliceUa, "at lunch");
        Assert.Equal(edge1.Port, toAlice.TopVia!.Port);

        // Alice's silo dies. Through the same edges, her users are served by silo2 within seconds.
        var killedAt = Stopwatch.StartNew();
        await cluster.KillAsync("silo1");
        SipMessage published;
        while ((published = await aliceUa.PublishAsync(Pidf, ClusterTests.Document(alice, "back"))).StatusCode == 503)
        {
            Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(10), "no silo took Alice over");
            await Task.Delay(50);
        }
        Assert.Equal(200, published.StatusCode);
        output.WriteLine($"kill -> Alice served through edge1: {killedAt.ElapsedMilliseconds} ms");
        var after = await ClusterTests.NotifyWithNoteAsync(bobUa, "back");
        Assert.Equal((toBob.CallId, toBob.GetFirst(HeaderId.From)), (after.CallId, after.GetFirst(HeaderId.From)));
        Assert.True(after.CSeq > toBob.CSeq);
        // Bob refreshes his subscription in its dialog; edge2 routes it by the To user to the new owner.
        var refreshed = await bobUa.SubscribeAsync(alice, callId: bobWatches.CallId, toTag: bobWatches.GetTo()!.Tag, cseq: 100);
        Assert.Equal(200, refreshed.StatusCode);
    }
}
