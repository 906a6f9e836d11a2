using System.Diagnostics;
using Presence.Cluster.Tests.Storage;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Cluster;

/// <summary>
/// Debian's Kamailio, running the repository's cluster-config/kamailio/kamailio.cfg, as the only SIP address the
/// clients know, in front of two silos on PostgreSQL. Kamailio hashes users its own way, so some requests reach a
/// silo that does not own their user, which passes them to the owner without record-routing itself.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KamailioEdgeTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const string Pidf = "application/pidf+xml";

    [Fact]
    public Task Kamailio_in_front_of_two_silos_carries_register_publish_subscribe_and_brings_the_notifies_back() =>
        WithClusterBehindKamailioAsync(UdpScenarioAsync);

    [Fact]
    public Task A_tcp_watcher_behind_kamailio_gets_its_notifies_on_its_own_connection() =>
        WithClusterBehindKamailioAsync(TcpScenarioAsync);

    [Fact]
    public Task Kamailio_fails_over_to_the_other_silo_when_the_one_it_hashes_to_is_killed() =>
        WithClusterBehindKamailioAsync(FailoverScenarioAsync);

    [Fact]
    public async Task A_silo_that_answers_503_is_passed_over_and_the_client_never_sees_it()
    {
        // A third "silo" in Kamailio's list, first in the set, that answers its probes and refuses everything else.
        await using var refusing = new RefusingSilo();
        await WithClusterBehindKamailioAsync((cluster, kamailio) => RefusingSiloScenarioAsync(cluster, kamailio, refusing), refusing.Port);
    }

    /// <summary>
    /// Two silos on the fixture's PostgreSQL, Kamailio in front (after <paramref name="listedFirst"/> in its dispatcher
    /// list, if any); on failure, everyone's log.
    /// </summary>
    private async Task WithClusterBehindKamailioAsync(Func<LocalCluster, KamailioEdge, Task> scenario, int? listedFirst = null)
    {
        // Before anything starts: no kamailio is a failure that says how to install it, not a skip.
        KamailioEdge.EnsureInstalled();
        var clock = Stopwatch.StartNew();
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await Task.WhenAll(cluster.StartSiloAsync("silo1"), cluster.StartSiloAsync("silo2"));
        await cluster.WaitForRingAsync();
        var clusterUp = clock.Elapsed;
        int[] silos = [cluster.Silos["silo1"].Port, cluster.Silos["silo2"].Port];
        await using var kamailio = await KamailioEdge.StartAsync(listedFirst is { } first ? [first, .. silos] : silos);
        var kamailioUp = clock.Elapsed - clusterUp;
        try
        {
            await scenario(cluster, kamailio);
        }
        catch
        {
            output.WriteLine("--- kamailio ---\n" + kamailio.Output);
            foreach (var (name, silo) in cluster.Silos)
                output.WriteLine($"--- {name} ---\n{silo.Output}");
            throw;
        }
        output.WriteLine($"silos up and agreeing: {clusterUp.TotalMilliseconds:F0} ms; kamailio answering: {kamailioUp.TotalMilliseconds:F0} ms; "
            + $"whole test: {clock.ElapsedMilliseconds} ms");
    }

    private async Task UdpScenarioAsync(LocalCluster cluster, KamailioEdge kamailio)
    {
        // Alice is silo1's, but Kamailio's hash sends her to silo2: every request about her crosses from silo2 to silo1.
        var alice = await UserKamailioSendsAwayFromItsOwnerAsync(cluster, kamailio, "silo1", "alice");
        var bob = ClusterTests.UserOwnedBy(cluster, "silo2", "bob");
        await using var aliceUa = new TestUserAgent(kamailio.Port, ClusterTests.User(alice));
        await using var bobUa = new TestUserAgent(kamailio.Port, ClusterTests.User(bob));

        Assert.Equal(200, (await aliceUa.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await aliceUa.PublishAsync(Pidf, ClusterTests.Document(alice, "in a meeting"))).StatusCode);

        // Bob (silo2's) watches Alice (silo1's).
        var step = Stopwatch.StartNew();
        var subscribed = await bobUa.SubscribeAsync(alice);
        Assert.Equal(200, subscribed.StatusCode);
        // The route set is Kamailio alone: whichever silo Kamailio chose, no silo put itself in the path.
        var recordRoute = Assert.Single(subscribed.GetValues(HeaderId.RecordRoute));
        AssertNamesKamailio(kamailio, recordRoute);
        var first = await ClusterTests.NotifyWithNoteAsync(bobUa, "in a meeting");
        var subscribeToNotify = step.Elapsed;
        // The owner sent the NOTIFY by the route set, to Kamailio, which relayed it: its Via on top, the owner's below.
        AssertCameThrough(kamailio, cluster.Silos["silo1"], first);

        // A change reaches the watcher the same way, in the same dialog.
        step.Restart();
        Assert.Equal(200, (await aliceUa.PublishAsync(Pidf, ClusterTests.Document(alice, "at lunch"))).StatusCode);
        var changed = await ClusterTests.NotifyWithNoteAsync(bobUa, "at lunch");
        var publishToNotify = step.Elapsed;
        AssertCameThrough(kamailio, cluster.Silos["silo1"], changed);
        Assert.Equal((first.CallId, first.GetFirst(HeaderId.From)), (changed.CallId, changed.GetFirst(HeaderId.From)));
        Assert.True(changed.CSeq > first.CSeq, $"CSeq {changed.CSeq} after {first.CSeq}");

        // Bob refreshes in the dialog as a phone does (RFC 3261 §12.2.1.1): to the notifier's Contact (silo1), with
        // the route set (Kamailio). Kamailio routes it by the To user, and the refresh brings a NOTIFY (RFC 6665 §4.2.2).
        Assert.True(subscribed.TryGetContacts(out var contact, out _));
        var refreshed = await bobUa.SubscribeAsync(
            alice, callId: subscribed.CallId, toTag: subscribed.GetTo()!.Tag, cseq: 100,
            requestUri: contact!.Contacts[0].Uri.ToString(), routes: subscribed.GetValues(HeaderId.RecordRoute).Reverse());
        Assert.Equal(200, refreshed.StatusCode);
        Assert.Equal(subscribed.GetTo()!.Tag, refreshed.GetTo()!.Tag);
        var afterRefresh = await ClusterTests.NotifyWithNoteAsync(bobUa, "at lunch");
        AssertCameThrough(kamailio, cluster.Silos["silo1"], afterRefresh);
        Assert.Equal(first.CallId, afterRefresh.CallId);
        Assert.True(afterRefresh.CSeq > changed.CSeq, $"CSeq {afterRefresh.CSeq} after {changed.CSeq}");

        // A MESSAGE is routed by its Request-URI. Alice's silo answers from her state: do-not-disturb, with her comment.
        var message = await bobUa.InviteAsync(alice, "MESSAGE");
        Assert.Equal(480, message.StatusCode);
        Assert.Contains("at lunch", message.GetFirst(HeaderId.Warning), StringComparison.Ordinal);

        // Following Kamailio's Record-Route in a dialog is for the silos' NOTIFYs; a client's in-dialog request towards
        // any other Request-URI (here Alice's phone) is refused, not relayed.
        var relayed = await bobUa.SendAsync("MESSAGE", aliceUa.Contact, bob, alice, $"Route: {recordRoute}\r\n", "hi", "text/plain",
            callId: subscribed.CallId, toTag: subscribed.GetTo()!.Tag);
        Assert.Equal(403, relayed.StatusCode);

        output.WriteLine($"SUBSCRIBE -> first NOTIFY: {subscribeToNotify.TotalMilliseconds:F0} ms; PUBLISH -> NOTIFY: {publishToNotify.TotalMilliseconds:F0} ms");
        // The silos say how they forward (a silo of a cluster record-routes only when nobody upstream did), and they do so.
        Assert.All(cluster.Silos.Values, silo => Assert.Contains("SIP proxy forwarding (record-route IfNone)", silo.Output, StringComparison.Ordinal));
        // Kamailio hashed every request by the user it is about (the To user, or the Request-URI user of the MESSAGE),
        // so all of them went to silo2, which passed each to silo1.
        var routes = kamailio.Routes().SkipWhile(r => r.Method == "OPTIONS").ToList();
        foreach (var (method, aor, port) in routes)
            output.WriteLine($"kamailio: {method} {aor} -> {Name(cluster, port)} (owner {cluster.OwnerOf(aor)})");
        Assert.Equal(["REGISTER", "PUBLISH", "SUBSCRIBE", "PUBLISH", "SUBSCRIBE", "MESSAGE"], routes.Select(r => r.Method));
        Assert.All(routes, r => Assert.Equal((alice, cluster.Silos["silo2"].Port), (r.Aor, r.SiloPort)));
        await AssertKamailioQuietAsync(kamailio);
    }

    /// <summary>
    /// Nothing Kamailio saw made it complain (a reply its sanity checks dropped, a header it could not parse, a silo
    /// marked down), including its answers to at least two rounds of OPTIONS probes (PING_INTERVAL=1).
    /// </summary>
    private static async Task AssertKamailioQuietAsync(KamailioEdge kamailio)
    {
        var twoRounds = kamailio.AnsweringSince + TimeSpan.FromSeconds(2.5) - DateTime.UtcNow;
        if (twoRounds > TimeSpan.Zero)
            await Task.Delay(twoRounds);
        Assert.Empty(kamailio.Complaints);
    }

    /// <summary>The first user named prefix0, prefix1, ... that <paramref name="owner"/> owns and Kamailio sends to another silo.</summary>
    private static Task<string> UserKamailioSendsAwayFromItsOwnerAsync(LocalCluster cluster, KamailioEdge kamailio, string owner, string prefix) =>
        UserKamailioSendsAsync(kamailio, prefix, (aor, port) => cluster.OwnerOf(aor) == owner && port != cluster.Silos[owner].Port);

    /// <summary>
    /// The first user named prefix0, prefix1, ... whose AOR and the silo port Kamailio picks for it satisfy
    /// <paramref name="wanted"/>, found by asking Kamailio: an OPTIONS to the user is hashed like any request about
    /// them, and its route logged.
    /// </summary>
    private static async Task<string> UserKamailioSendsAsync(KamailioEdge kamailio, string prefix, Func<string, int, bool> wanted)
    {
        await using var probe = new TestUserAgent(kamailio.Port, "probe");
        for (int i = 0; i < 64; i++)
        {
            var aor = $"sip:{prefix}{i}@example.com";
            Assert.Equal(200, (await probe.InviteAsync(aor, "OPTIONS")).StatusCode);
            // The route is logged before the request leaves; give the log pipe a moment to deliver the line.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
            (string Method, string Aor, int SiloPort) route;
            while ((route = kamailio.Routes().FirstOrDefault(r => r.Aor == aor)).Aor is null)
            {
                Assert.True(DateTime.UtcNow < deadline, $"kamailio logged no route for {aor}");
                await Task.Delay(20);
            }
            if (wanted(aor, route.SiloPort))
                return aor;
        }
        throw new InvalidOperationException($"Kamailio sent none of {prefix}0..63 where the test wanted.");
    }

    private async Task TcpScenarioAsync(LocalCluster cluster, KamailioEdge kamailio)
    {
        var alice = ClusterTests.UserOwnedBy(cluster, "silo1", "alice");
        await using var aliceUa = new TestUserAgent(kamailio.Port, ClusterTests.User(alice));
        Assert.Equal(200, (await aliceUa.PublishAsync(Pidf, ClusterTests.Document(alice, "in a meeting"))).StatusCode);

        // Carol is a phone behind NAT: one TCP connection to Kamailio, listening nowhere else, and a Contact with her
        // private address (TEST-NET-1, which nothing here can reach). Only her connection leads to her.
        await using var carol = await Edge.TcpWatcher.ConnectAsync(kamailio.Port, "carol", "sip:carol@192.0.2.10:5060;transport=tcp");
        var subscribed = await carol.SubscribeAsync(alice, alice);
        Assert.Equal(200, subscribed.StatusCode);
        // RFC 5658 §3.2: the request changed transport (TCP in, UDP to the silos), so Kamailio record-routed twice,
        // the silo's side first; both entries name Kamailio.
        var recordRoutes = subscribed.GetValues(HeaderId.RecordRoute).ToList();
        Assert.Equal(2, recordRoutes.Count);
        Assert.All(recordRoutes, rr => AssertNamesKamailio(kamailio, rr));
        Assert.Contains("transport=tcp", recordRoutes[1], StringComparison.OrdinalIgnoreCase);

        // The silo sends the NOTIFY over UDP to Kamailio, which finds Carol's connection from the alias it put in her
        // Contact (and takes it out again: the Request-URI is her Contact as she sent it).
        var first = await ClusterTests.NotifyWithNoteAsync(left => carol.NextNotifyAsync(left), "in a meeting");
        Assert.Equal(("TCP", kamailio.Port), (first.TopVia!.Transport, first.TopVia.Port));
        Assert.Equal(carol.Contact, first.RequestUri);
        Assert.Equal(200, (await aliceUa.PublishAsync(Pidf, ClusterTests.Document(alice, "at lunch"))).StatusCode);
        var changed = await ClusterTests.NotifyWithNoteAsync(left => carol.NextNotifyAsync(left), "at lunch");
        Assert.True(changed.CSeq > first.CSeq);

        // A refresh on the same connection, with the route set reversed (RFC 3261 §12.1.2), keeps the dialog.
        string routes = string.Concat(recordRoutes.AsEnumerable().Reverse().Select(r => $"Route: {r}\r\n"));
        Assert.True(subscribed.TryGetContacts(out var contact, out _));
        var refreshed = await carol.SubscribeAsync(alice, contact!.Contacts[0].Uri.ToString(), routes, subscribed.CallId, subscribed.GetTo()!.Tag);
        Assert.Equal(200, refreshed.StatusCode);
        var afterRefresh = await ClusterTests.NotifyWithNoteAsync(left => carol.NextNotifyAsync(left), "at lunch");
        Assert.True(afterRefresh.CSeq > changed.CSeq);
        await AssertKamailioQuietAsync(kamailio);
    }

    private async Task FailoverScenarioAsync(LocalCluster cluster, KamailioEdge kamailio)
    {
        // Alice is silo1's and Kamailio sends her to silo2, which forwards; Bob watches her.
        var alice = await UserKamailioSendsAwayFromItsOwnerAsync(cluster, kamailio, "silo1", "alice");
        await using var aliceUa = new TestUserAgent(kamailio.Port, ClusterTests.User(alice));
        await using var bobUa = new TestUserAgent(kamailio.Port, "bob");
        Assert.Equal(200, (await aliceUa.PublishAsync(Pidf, ClusterTests.Document(alice, "before"))).StatusCode);
        Assert.Equal(200, (await bobUa.SubscribeAsync(alice)).StatusCode);
        await ClusterTests.NotifyWithNoteAsync(bobUa, "before");

        // silo2 dies. Kamailio still hashes Alice to it, waits SILO_TIMEOUT (4 s) for an answer, marks it down and
        // sends the PUBLISH to silo1; the client's own retransmissions are absorbed meanwhile.
        var silo1Port = cluster.Silos["silo1"].Port;
        var killedAt = Stopwatch.StartNew();
        await cluster.KillAsync("silo2");
        Assert.Equal(200, (await aliceUa.PublishAsync(Pidf, ClusterTests.Document(alice, "after"))).StatusCode);
        var failedOver = killedAt.Elapsed;
        await ClusterTests.NotifyWithNoteAsync(bobUa, "after");
        // silo2 is marked down now: the next request goes to silo1 at once.
        var again = Stopwatch.StartNew();
        Assert.Equal(200, (await aliceUa.PublishAsync(Pidf, ClusterTests.Document(alice, "again"))).StatusCode);
        var direct = again.Elapsed;
        await ClusterTests.NotifyWithNoteAsync(bobUa, "again");
        output.WriteLine($"kill -> PUBLISH answered through Kamailio: {failedOver.TotalMilliseconds:F0} ms; next PUBLISH: {direct.TotalMilliseconds:F0} ms");
        Assert.InRange(failedOver, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(8));
        Assert.True(direct < TimeSpan.FromSeconds(1), $"the PUBLISH after the failover took {direct}");
        var routes = kamailio.Routes().Where(r => r.Method == "PUBLISH").ToList();
        Assert.Equal(silo1Port, routes[^1].SiloPort);
        // failure_route[SILO_FAILED] says what it did.
        Assert.Contains(kamailio.Complaints, c => c.Contains("did not answer PUBLISH for " + alice + "; marking it down", StringComparison.Ordinal));
    }

    private async Task RefusingSiloScenarioAsync(LocalCluster cluster, KamailioEdge kamailio, RefusingSilo refusing)
    {
        // Alice is a user Kamailio's hash sends to the refusing silo.
        var alice = await UserKamailioSendsAsync(kamailio, "alice", (aor, port) => port == refusing.Port);
        await using var aliceUa = new TestUserAgent(kamailio.Port, ClusterTests.User(alice));
        await using var bobUa = new TestUserAgent(kamailio.Port, "bob");
        int refusedBefore = refusing.Refused;

        // Each request is refused there and tried on the next silo of the set, which serves it (or passes it to the owner).
        Assert.Equal(200, (await aliceUa.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await aliceUa.PublishAsync(Pidf, ClusterTests.Document(alice, "served elsewhere"))).StatusCode);
        var subscribed = await bobUa.SubscribeAsync(alice);
        Assert.Equal(200, subscribed.StatusCode);
        AssertNamesKamailio(kamailio, Assert.Single(subscribed.GetValues(HeaderId.RecordRoute)));
        var notify = await ClusterTests.NotifyWithNoteAsync(bobUa, "served elsewhere");
        AssertCameThrough(kamailio, cluster.Silos[cluster.OwnerOf(alice)], notify);
        Assert.Equal(3, refusing.Refused - refusedBefore);
        output.WriteLine($"the refusing silo answered {refusing.Probes} probes and refused {refusing.Refused} requests ({refusing.Answered503} 503s sent)");
    }

    private static void AssertNamesKamailio(KamailioEdge kamailio, string entry)
    {
        Assert.True(NameAddress.TryParse(entry, out var address, out string error), error);
        Assert.Equal(("127.0.0.1", kamailio.Port), (address!.Uri.Host, address.Uri.Port));
        Assert.True(address.Uri.Parameters.Contains("lr"), $"not a loose route: {entry}");
    }

    private static void AssertCameThrough(KamailioEdge kamailio, ServerProcess sender, SipMessage notify)
    {
        var vias = notify.GetValues(HeaderId.Via).Select(v => ViaHeader.TryParse(v, out var via, out _) ? via! : throw new FormatException(v)).ToList();
        Assert.Equal(2, vias.Count);
        Assert.Equal(("127.0.0.1", kamailio.Port), (vias[0].Host, vias[0].Port));
        Assert.Equal(sender.Port, vias[1].Port);
    }

    private static string Name(LocalCluster cluster, int port) => cluster.Silos.Single(s => s.Value.Port == port).Key;
}
