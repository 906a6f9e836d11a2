using System.Diagnostics;
using Presence.Grains.Tests.Storage;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Cluster;

/// <summary>
/// Debian's Kamailio, running the repository's cluster-config/kamailio/kamailio.cfg, as the only SIP address the
/// clients know, in front of two cluster members that speak SIP and host users (role both) on PostgreSQL, with
/// digest authentication on (the members challenge; Kamailio passes it through). Kamailio hashes each user to one
/// member; that member reaches the user's grain wherever it is, and its NOTIFYs go back through Kamailio.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KamailioEdgeTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const string Pidf = "application/pidf+xml";

    [Fact]
    public Task Kamailio_in_front_of_two_members_carries_register_publish_subscribe_and_brings_the_notifies_back() =>
        WithClusterBehindKamailioAsync(UdpScenarioAsync);

    [Fact]
    public Task A_tcp_watcher_behind_kamailio_gets_its_notifies_on_its_own_connection() =>
        WithClusterBehindKamailioAsync(TcpScenarioAsync);

    [Fact]
    public Task Kamailio_fails_over_to_the_other_member_when_the_one_it_hashes_to_is_killed() =>
        WithClusterBehindKamailioAsync(FailoverScenarioAsync);

    [Fact]
    public async Task A_member_that_answers_503_is_passed_over_and_the_client_never_sees_it()
    {
        // A third "member" in Kamailio's list, first in the set, that answers its probes and refuses everything else.
        await using var refusing = new RefusingSilo();
        await WithClusterBehindKamailioAsync((cluster, kamailio) => RefusingSiloScenarioAsync(cluster, kamailio, refusing), refusing.Port);
    }

    /// <summary>Two members on the fixture's PostgreSQL, Kamailio in front (after <paramref name="listedFirst"/>, if any); on failure, every log.</summary>
    private async Task WithClusterBehindKamailioAsync(Func<LocalCluster, KamailioEdge, Task> scenario, int? listedFirst = null)
    {
        // Before anything starts: no kamailio is a failure that says how to install it, not a skip.
        KamailioEdge.EnsureInstalled();
        var clock = Stopwatch.StartNew();
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        // Kamailio speaks for every client: the members do not rate-limit it as one source.
        string[] exempt = ["--Sip:RateLimit:Exempt:0=127.0.0.1"];
        await Task.WhenAll(cluster.StartBothAsync("member1", exempt), cluster.StartBothAsync("member2", exempt));
        await cluster.WaitForMembersAsync();
        await cluster.ProvisionAsync("alice", "bob", "carol", "probe");
        var clusterUp = clock.Elapsed;
        int[] members = [cluster["member1"].Port, cluster["member2"].Port];
        await using var kamailio = await KamailioEdge.StartAsync(listedFirst is { } first ? [first, .. members] : members);
        var kamailioUp = clock.Elapsed - clusterUp;
        try
        {
            await scenario(cluster, kamailio);
        }
        catch
        {
            output.WriteLine("--- kamailio ---\n" + kamailio.Output);
            foreach (var (name, member) in cluster.Silos)
                output.WriteLine($"--- {name} ---\n{member.Output}");
            throw;
        }
        output.WriteLine($"members up and agreeing: {clusterUp.TotalMilliseconds:F0} ms; kamailio answering: {kamailioUp.TotalMilliseconds:F0} ms; "
            + $"whole test: {clock.ElapsedMilliseconds} ms");
    }

    private static TestUserAgent Through(KamailioEdge kamailio, string user) =>
        new(kamailio.Port, user) { Credentials = (user, LocalCluster.Password(user)) };

    private async Task UdpScenarioAsync(LocalCluster cluster, KamailioEdge kamailio)
    {
        await using var alice = Through(kamailio, "alice");
        await using var bob = Through(kamailio, "bob");
        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await alice.PublishAsync(Pidf, ClusterTests.Document(alice.Aor, "in a meeting"))).StatusCode);

        var step = Stopwatch.StartNew();
        var subscribed = await bob.SubscribeAsync(alice.Aor);
        Assert.Equal(200, subscribed.StatusCode);
        // The route set is Kamailio alone: members never put themselves in a dialog's path.
        var recordRoute = Assert.Single(subscribed.GetValues(HeaderId.RecordRoute));
        AssertNamesKamailio(kamailio, recordRoute);
        var first = await ClusterTests.NotifyWithNoteAsync(bob, "in a meeting");
        var subscribeToNotify = step.Elapsed;
        // The member Kamailio gave the SUBSCRIBE to holds Bob's dialog: it sent the NOTIFY by the route set, to
        // Kamailio, which relayed it (its Via on top, the member's below), wherever Alice's grain is.
        int notifier = kamailio.Routes().Last(r => r.Method == "SUBSCRIBE").SiloPort;
        AssertCameThrough(kamailio, notifier, first);

        step.Restart();
        Assert.Equal(200, (await alice.PublishAsync(Pidf, ClusterTests.Document(alice.Aor, "at lunch"))).StatusCode);
        var changed = await ClusterTests.NotifyWithNoteAsync(bob, "at lunch");
        var publishToNotify = step.Elapsed;
        AssertCameThrough(kamailio, notifier, changed);
        Assert.Equal((first.CallId, first.GetFirst(HeaderId.From)), (changed.CallId, changed.GetFirst(HeaderId.From)));
        Assert.True(changed.CSeq > first.CSeq, $"CSeq {changed.CSeq} after {first.CSeq}");

        // Bob refreshes in the dialog as a phone does (RFC 3261 §12.2.1.1): to the notifier's Contact, with the route
        // set (Kamailio). Kamailio routes it by the To user, and the refresh brings a NOTIFY (RFC 6665 §4.2.2).
        Assert.True(subscribed.TryGetContacts(out var contact, out _));
        var refreshed = await bob.SubscribeAsync(
            alice.Aor, callId: subscribed.CallId, toTag: subscribed.GetTo()!.Tag, cseq: 100,
            requestUri: contact!.Contacts[0].Uri.ToString(), routes: subscribed.GetValues(HeaderId.RecordRoute).Reverse());
        Assert.Equal(200, refreshed.StatusCode);
        Assert.Equal(subscribed.GetTo()!.Tag, refreshed.GetTo()!.Tag);
        var afterRefresh = await ClusterTests.NotifyWithNoteAsync(bob, "at lunch");
        Assert.Equal(first.CallId, afterRefresh.CallId);
        Assert.True(afterRefresh.CSeq > changed.CSeq, $"CSeq {afterRefresh.CSeq} after {changed.CSeq}");

        // A MESSAGE is routed by its Request-URI; the member answers from Alice's state: do-not-disturb, with her comment.
        var message = await bob.InviteAsync(alice.Aor, "MESSAGE");
        Assert.Equal(480, message.StatusCode);
        Assert.Contains("at lunch", message.GetFirst(HeaderId.Warning), StringComparison.Ordinal);

        // Following Kamailio's Record-Route in a dialog is for the members' NOTIFYs; a client's in-dialog request towards
        // any other Request-URI (here Alice's phone) is refused, not relayed.
        var relayed = await bob.SendAsync("MESSAGE", alice.Contact, bob.Aor, alice.Aor, $"Route: {recordRoute}\r\n", "hi", "text/plain",
            callId: subscribed.CallId, toTag: subscribed.GetTo()!.Tag);
        Assert.Equal(403, relayed.StatusCode);

        output.WriteLine($"SUBSCRIBE -> first NOTIFY: {subscribeToNotify.TotalMilliseconds:F0} ms; PUBLISH -> NOTIFY: {publishToNotify.TotalMilliseconds:F0} ms");
        // Kamailio hashed every request by the user it is about (the To user, or the Request-URI user of the MESSAGE),
        // so every one about Alice went to the same member, challenges and answers alike.
        var routes = kamailio.Routes().Where(r => r.Aor == alice.Aor && r.Method != "OPTIONS").ToList();
        foreach (var (method, aor, port) in routes)
            output.WriteLine($"kamailio: {method} {aor} -> {port}");
        // (A challenged request goes twice: first without credentials, then with them; count each once.)
        var methods = routes.Select(r => r.Method).Where((m, i) => i == 0 || routes[i - 1].Method != m).ToList();
        Assert.Equal(["REGISTER", "PUBLISH", "SUBSCRIBE", "PUBLISH", "SUBSCRIBE", "MESSAGE"], methods);
        Assert.Single(routes.Select(r => r.SiloPort).Distinct());
        await AssertKamailioQuietAsync(kamailio);
    }

    /// <summary>
    /// Nothing Kamailio saw made it complain (a reply its sanity checks dropped, a header it could not parse, a member
    /// marked down), including its answers to at least two rounds of OPTIONS probes (PING_INTERVAL=1).
    /// </summary>
    private static async Task AssertKamailioQuietAsync(KamailioEdge kamailio)
    {
        var twoRounds = kamailio.AnsweringSince + TimeSpan.FromSeconds(2.5) - DateTime.UtcNow;
        if (twoRounds > TimeSpan.Zero)
            await Task.Delay(twoRounds);
        Assert.Empty(kamailio.Complaints);
    }

    /// <summary>
    /// The first user named prefix0, prefix1, ... whose AOR and the member port Kamailio picks for it satisfy
    /// <paramref name="wanted"/>, found by asking Kamailio: an OPTIONS to the user is hashed like any request about
    /// them, and its route logged.
    /// </summary>
    private static async Task<string> UserKamailioSendsAsync(KamailioEdge kamailio, string prefix, Func<string, int, bool> wanted)
    {
        await using var probe = Through(kamailio, "probe");
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
        await using var alice = Through(kamailio, "alice");
        Assert.Equal(200, (await alice.PublishAsync(Pidf, ClusterTests.Document(alice.Aor, "in a meeting"))).StatusCode);

        // Carol is a phone behind NAT: one TCP connection to Kamailio, listening nowhere else, and a Contact with her
        // private address (TEST-NET-1, which nothing here can reach). Only her connection leads to her.
        await using var carol = await TcpWatcher.ConnectAsync(kamailio.Port, "carol", "sip:carol@192.0.2.10:5060;transport=tcp");
        carol.Credentials = ("carol", LocalCluster.Password("carol"));
        var subscribed = await carol.SubscribeAsync(alice.Aor, alice.Aor);
        Assert.Equal(200, subscribed.StatusCode);
        // RFC 5658 §3.2: the request changed transport (TCP in, UDP to the members), so Kamailio record-routed twice,
        // the members' side first; both entries name Kamailio.
        var recordRoutes = subscribed.GetValues(HeaderId.RecordRoute).ToList();
        Assert.Equal(2, recordRoutes.Count);
        Assert.All(recordRoutes, rr => AssertNamesKamailio(kamailio, rr));
        Assert.Contains("transport=tcp", recordRoutes[1], StringComparison.OrdinalIgnoreCase);

        // The member sends the NOTIFY over UDP to Kamailio, which finds Carol's connection from the alias it put in her
        // Contact (and takes it out again: the Request-URI is her Contact as she sent it).
        var first = await ClusterTests.NotifyWithNoteAsync(left => carol.NextNotifyAsync(left), "in a meeting");
        Assert.Equal(("TCP", kamailio.Port), (first.TopVia!.Transport, first.TopVia.Port));
        Assert.Equal(carol.Contact, first.RequestUri);
        Assert.Equal(200, (await alice.PublishAsync(Pidf, ClusterTests.Document(alice.Aor, "at lunch"))).StatusCode);
        var changed = await ClusterTests.NotifyWithNoteAsync(left => carol.NextNotifyAsync(left), "at lunch");
        Assert.True(changed.CSeq > first.CSeq);

        // A refresh on the same connection, with the route set reversed (RFC 3261 §12.1.2), keeps the dialog.
        string routes = string.Concat(recordRoutes.AsEnumerable().Reverse().Select(r => $"Route: {r}\r\n"));
        Assert.True(subscribed.TryGetContacts(out var contact, out _));
        var refreshed = await carol.SubscribeAsync(alice.Aor, contact!.Contacts[0].Uri.ToString(), routes, subscribed.CallId, subscribed.GetTo()!.Tag);
        Assert.Equal(200, refreshed.StatusCode);
        var afterRefresh = await ClusterTests.NotifyWithNoteAsync(left => carol.NextNotifyAsync(left), "at lunch");
        Assert.True(afterRefresh.CSeq > changed.CSeq);
        await AssertKamailioQuietAsync(kamailio);
    }

    private async Task FailoverScenarioAsync(LocalCluster cluster, KamailioEdge kamailio)
    {
        await using var alice = Through(kamailio, "alice");
        await using var bob = Through(kamailio, "bob");
        Assert.Equal(200, (await alice.PublishAsync(Pidf, ClusterTests.Document(alice.Aor, "before"))).StatusCode);
        Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor)).StatusCode);
        await ClusterTests.NotifyWithNoteAsync(bob, "before");

        // The member Kamailio hashes Alice to dies. Kamailio still sends her to it, waits SILO_TIMEOUT (4 s) for an
        // answer, marks it down and sends the PUBLISH to the other, which reaches her grain (moved there if it was on
        // the dead member); the client's own retransmissions are absorbed meanwhile.
        int hashed = kamailio.Routes().Last(r => r.Aor == alice.Aor && r.Method == "PUBLISH").SiloPort;
        string victim = cluster.SipNodes.Single(m => m.Value.Port == hashed).Key;
        var killed = Stopwatch.StartNew();
        await cluster.KillAsync(victim);
        Assert.Equal(200, (await alice.PublishAsync(Pidf, ClusterTests.Document(alice.Aor, "after"))).StatusCode);
        var failedOver = killed.Elapsed;
        await ClusterTests.NotifyWithNoteAsync(bob, "after");
        // The dead member is marked down now: the next request goes to the other at once.
        var again = Stopwatch.StartNew();
        Assert.Equal(200, (await alice.PublishAsync(Pidf, ClusterTests.Document(alice.Aor, "again"))).StatusCode);
        var direct = again.Elapsed;
        await ClusterTests.NotifyWithNoteAsync(bob, "again");
        output.WriteLine($"kill of {victim} -> PUBLISH answered through Kamailio: {failedOver.TotalMilliseconds:F0} ms; next PUBLISH: {direct.TotalMilliseconds:F0} ms");
        Assert.InRange(failedOver, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(10));
        Assert.True(direct < TimeSpan.FromSeconds(1), $"the PUBLISH after the failover took {direct}");
        Assert.NotEqual(hashed, kamailio.Routes().Last(r => r.Method == "PUBLISH").SiloPort);
        // failure_route[SILO_FAILED] says what it did.
        Assert.Contains(kamailio.Complaints, c => c.Contains("did not answer PUBLISH for " + alice.Aor + "; marking it down", StringComparison.Ordinal));
    }

    private async Task RefusingSiloScenarioAsync(LocalCluster cluster, KamailioEdge kamailio, RefusingSilo refusing)
    {
        // Alice is a user Kamailio's hash sends to the refusing member.
        var aor = await UserKamailioSendsAsync(kamailio, "alice", (_, port) => port == refusing.Port);
        string user = aor[4..aor.IndexOf('@')];
        await cluster.ProvisionAsync(user);
        await using var alice = Through(kamailio, user);
        await using var bob = Through(kamailio, "bob");
        int refusedBefore = refusing.Refused;

        // Each request is refused there and tried on the next member of the set, which serves it.
        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await alice.PublishAsync(Pidf, ClusterTests.Document(aor, "served elsewhere"))).StatusCode);
        var subscribed = await bob.SubscribeAsync(aor);
        Assert.Equal(200, subscribed.StatusCode);
        AssertNamesKamailio(kamailio, Assert.Single(subscribed.GetValues(HeaderId.RecordRoute)));
        await ClusterTests.NotifyWithNoteAsync(bob, "served elsewhere");
        // Each request with credentials, and each challenge before it, went to the refusing member first.
        Assert.True(refusing.Refused - refusedBefore >= 3, $"refused {refusing.Refused - refusedBefore}");
        output.WriteLine($"the refusing member answered {refusing.Probes} probes and refused {refusing.Refused} requests ({refusing.Answered503} 503s sent)");
    }

    private static void AssertNamesKamailio(KamailioEdge kamailio, string entry)
    {
        Assert.True(NameAddress.TryParse(entry, out var address, out string error), error);
        Assert.Equal(("127.0.0.1", kamailio.Port), (address!.Uri.Host, address.Uri.Port));
        Assert.True(address.Uri.Parameters.Contains("lr"), $"not a loose route: {entry}");
    }

    private static void AssertCameThrough(KamailioEdge kamailio, int senderPort, SipMessage notify)
    {
        var vias = notify.GetValues(HeaderId.Via).Select(v => ViaHeader.TryParse(v, out var via, out _) ? via! : throw new FormatException(v)).ToList();
        Assert.Equal(2, vias.Count);
        Assert.Equal(("127.0.0.1", kamailio.Port), (vias[0].Host, vias[0].Port));
        Assert.Equal(senderPort, vias[1].Port);
    }
}
