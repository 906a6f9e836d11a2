using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Presence.Grains.Tests.Storage;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Cluster;

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "Cluster";
}

/// <summary>
/// An Orleans cluster as processes on one PostgreSQL the fixture started: silos that host users' grains, an edge that
/// holds the SIP clients, authentication on. Users spread over the silos and are reached from any member; a silo
/// that dies or hangs has its users served by the other within seconds, with the watchers' dialogs going on.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const string Pidf = "application/pidf+xml";

    // The do-not-disturb comment is the composite's note, so every watcher's NOTIFY carries it.
    internal static string Document(string aor, string note) =>
        "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:po=\"urn:presence-orleans:params:xml:ns:pidf-ext\""
        + $" entity=\"{aor}\"><tuple id=\"t\"><status><basic>open</basic></status></tuple><po:donotdisturb>{note}</po:donotdisturb></presence>";

    [Fact]
    public async Task Two_silos_and_an_edge_serve_register_publish_and_subscribe_with_authentication_on()
    {
        await using var cluster = await StartAsync("silo1", "silo2");
        await cluster.ProvisionAsync("alice", "bob");
        await using var alice = cluster.UserAgent("alice", "edge1");
        await using var bob = cluster.UserAgent("bob", "edge1");

        // The edge challenges like any SIP server: a REGISTER without credentials gets 401.
        await using (var stranger = new TestUserAgent(cluster["edge1"].Port, "alice"))
            Assert.Equal(401, (await stranger.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor)).StatusCode);
        await bob.NextNotifyAsync();
        Assert.Equal(200, (await alice.PublishAsync(Pidf, Document(alice.Aor, "in a meeting"))).StatusCode);
        var notify = await NotifyWithNoteAsync(bob, "in a meeting");
        Assert.Equal("donotdisturb", TestUserAgent.ExtendedOf(notify));

        // Any silo answers about anyone: the other silo reads Alice's grain wherever it is.
        string home = await cluster.SiloOfAsync(alice.Aor);
        foreach (var silo in cluster.Silos.Values)
        {
            using var api = silo.CreateApiClient();
            var presence = await api.GetFromJsonAsync<JsonElement>($"/api/users/{Uri.EscapeDataString(alice.Aor)}/presence");
            Assert.Equal("in a meeting", presence.GetProperty("note").GetString());
            Assert.Equal(1, presence.GetProperty("registrations").GetArrayLength());
            Assert.Equal(1, presence.GetProperty("watchers").GetInt32());
            Assert.Equal(home, presence.GetProperty("silo").GetString());
        }

        // The live stream on the silo that does not hold Alice's grain follows her changes all the same.
        string other = home == "silo1" ? "silo2" : "silo1";
        using (var api = cluster[other].CreateApiClient())
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            using var stream = await api.GetAsync($"/api/users/{Uri.EscapeDataString(alice.Aor)}/stream", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(cts.Token));
            async Task<string?> NextNoteAsync()
            {
                while (await reader.ReadLineAsync(cts.Token) is { } line)
                {
                    if (line.StartsWith("data: ", StringComparison.Ordinal))
                        return JsonDocument.Parse(line[6..]).RootElement.GetProperty("note").GetString();
                }
                throw new EndOfStreamException();
            }
            Assert.Equal("in a meeting", await NextNoteAsync());
            Assert.Equal(200, (await alice.PublishAsync(Pidf, Document(alice.Aor, "back at 3"))).StatusCode);
            Assert.Equal("back at 3", await NextNoteAsync());
        }

        // Users are placed on both silos, never on the edge (it has no user grains).
        var homes = new HashSet<string>();
        for (int i = 0; i < 24; i++)
            homes.Add(await cluster.SiloOfAsync($"sip:spread{i}@example.com", cluster.Silos.Values.ElementAt(i % 2)));
        Assert.Equal(["silo1", "silo2"], homes.Order());

        var view = await LocalCluster.DescribeAsync(cluster["silo2"]);
        Assert.Equal(["edge1:edge:active", "silo1:silo:active", "silo2:silo:active"], view.GetProperty("members").EnumerateArray()
            .Select(m => $"{m.GetProperty("silo").GetString()}:{m.GetProperty("role").GetString()}:{m.GetProperty("status").GetString()}").Order());
    }

    [Fact]
    public async Task A_killed_silos_users_are_served_by_the_other_within_5_s_and_watchers_keep_their_dialogs()
    {
        await using var cluster = await StartAsync("silo1", "silo2");
        var (alice, bob, first) = await WatchedUserAsync(cluster);
        string home = await cluster.SiloOfAsync(alice.Aor);

        var killed = Stopwatch.StartNew();
        await cluster.KillAsync(home);
        var recovered = await FirstServedAsync(alice, "after the crash", killed);
        output.WriteLine($"SIGKILL of {home} -> Alice served by {await cluster.SiloOfAsync(alice.Aor)}: {recovered.TotalMilliseconds:F0} ms");
        Assert.True(recovered < TimeSpan.FromSeconds(5), $"Alice was served again only after {recovered}");

        await AssertDialogGoesOnAsync(cluster, alice, bob, first, "after the crash");
    }

    [Fact]
    public async Task A_hung_silos_users_are_served_by_the_other_within_5_s_and_it_does_not_come_back_with_old_state()
    {
        await using var cluster = await StartAsync("silo1", "silo2");
        var (alice, bob, first) = await WatchedUserAsync(cluster);
        string home = await cluster.SiloOfAsync(alice.Aor);
        var hung = cluster[home];

        var stopped = Stopwatch.StartNew();
        await cluster.SignalAsync(home, "STOP");
        try
        {
            var recovered = await FirstServedAsync(alice, "while it hung", stopped);
            output.WriteLine($"SIGSTOP of {home} -> Alice served by {await cluster.SiloOfAsync(alice.Aor, cluster.Silos.Values.First(s => s != hung))}: {recovered.TotalMilliseconds:F0} ms");
            Assert.True(recovered < TimeSpan.FromSeconds(5), $"Alice was served again only after {recovered}");
        }
        finally
        {
            await cluster.SignalAsync(home, "CONT");
        }
        // Declared dead while it hung, the silo learns so when it thaws and stops; it never serves Alice's old state.
        cluster.Forget(home);
        await cluster.WaitForMembersAsync();
        await AssertDialogGoesOnAsync(cluster, alice, bob, first, "while it hung");
        Assert.Equal(200, (await alice.PublishAsync(Pidf, Document(alice.Aor, "after the thaw"))).StatusCode);
        using var api = cluster.AnySilo.CreateApiClient();
        var presence = await api.GetFromJsonAsync<JsonElement>($"/api/users/{Uri.EscapeDataString(alice.Aor)}/presence");
        Assert.Equal("after the thaw", presence.GetProperty("note").GetString());
        await hung.DisposeAsync();
    }

    [Fact]
    public async Task An_expiry_of_a_dead_silos_user_is_notified_on_time_by_the_survivor()
    {
        await using var cluster = await StartWithAsync(["--Presence:Rules:MinRegisterExpires=1"], "silo1", "silo2");
        // The sweeper's keep-alive reminder is in the store whichever member owns its range (an edge too: an edge
        // without the reminder service used to refuse it, and the sweeper never started, about one cluster in six).
        await KeepAliveReminderStoredAsync(cluster);
        await cluster.ProvisionAsync("alice", "bob");
        await using var alice = cluster.UserAgent("alice", "edge1");
        await using var bob = cluster.UserAgent("bob", "edge1");
        Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor, expires: 3600)).StatusCode);
        await bob.NextNotifyAsync();
        Assert.Equal(200, (await alice.RegisterAsync(expires: 6)).StatusCode);
        var registered = Stopwatch.StartNew();
        Assert.Equal("available", TestUserAgent.ExtendedOf(await NotifyWithStatusAsync(bob, "available")));

        // Alice's silo dies with her in memory. Nobody asks about her again: the survivor's due sweeper finds her
        // due time in the store and wakes her there, and Bob hears of the expiry through the edge.
        string home = await cluster.SiloOfAsync(alice.Aor);
        await cluster.KillAsync(home);
        try
        {
            await NotifyWithStatusAsync(bob, "unreachable", TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            // Seen now and then (about one run in six, 2026-12-07): what the survivors said, for whoever looks next.
            foreach (var (name, member) in cluster.SipNodes.Concat(cluster.Silos).DistinctBy(m => m.Key).Where(m => m.Key != home))
                output.WriteLine($"--- {name} (alice was on {home}) ---\n" + string.Join('\n', member.Output.Split('\n').TakeLast(300)));
            throw;
        }
        var late = registered.Elapsed - TimeSpan.FromSeconds(6);
        output.WriteLine($"expiry of a dead silo's user heard {late.TotalMilliseconds:F0} ms after it came");
        Assert.True(late < TimeSpan.FromSeconds(1), $"heard {late.TotalMilliseconds:F0} ms after the registration ran out");
    }

    private static Task<SipMessage> NotifyWithStatusAsync(TestUserAgent watcher, string status, TimeSpan? within = null) =>
        NotifyWhereAsync(left => watcher.NextNotifyAsync(left), n => TestUserAgent.ExtendedOf(n) == status, $"the status {status}", within);

    [Fact]
    public async Task A_drained_silo_leaves_and_the_other_serves_its_users_from_what_was_acknowledged()
    {
        await using var cluster = await StartAsync("silo1", "silo2");
        await cluster.ProvisionAsync("alice");
        await using var alice = cluster.UserAgent("alice", "edge1");
        Assert.Equal(200, (await alice.PublishAsync(Pidf, Document(alice.Aor, "before the drain"))).StatusCode);
        string home = await cluster.SiloOfAsync(alice.Aor);
        var leaver = cluster[home];

        using (var api = leaver.CreateApiClient())
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await api.PostAsync("/api/cluster/drain", null)).StatusCode);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        await leaver.WaitForExitAsync(wait.Token);
        Assert.True(leaver.ExitCode == 0, $"exit code {leaver.ExitCode}:\n{leaver.Output}");
        cluster.Forget(home);
        await cluster.WaitForMembersAsync();

        Assert.Equal(200, (await alice.PublishAsync(Pidf, Document(alice.Aor, "after the drain"))).StatusCode);
        using var survivor = cluster.AnySilo.CreateApiClient();
        var presence = await survivor.GetFromJsonAsync<JsonElement>($"/api/users/{Uri.EscapeDataString(alice.Aor)}/presence");
        Assert.Equal("after the drain", presence.GetProperty("note").GetString());
        Assert.Equal(2, presence.GetProperty("publications").GetInt32());
        await leaver.DisposeAsync();
    }

    private Task<LocalCluster> StartAsync(params string[] silos) => StartWithAsync([], silos);

    private static async Task KeepAliveReminderStoredAsync(LocalCluster cluster)
    {
        var deadline = Stopwatch.StartNew();
        await using var connection = new Npgsql.NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        while (true)
        {
            await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM OrleansRemindersTable WHERE ReminderName = 'keep-alive'", connection);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
                return;
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "the due sweeper's keep-alive reminder was never stored");
            await Task.Delay(200);
        }
    }

    private async Task<LocalCluster> StartWithAsync(string[] siloArgs, params string[] silos)
    {
        var cluster = await LocalCluster.CreateAsync(postgres);
        await Task.WhenAll(silos.Select(s => cluster.StartSiloAsync(s, siloArgs)));
        await cluster.StartEdgeAsync("edge1");
        await cluster.WaitForMembersAsync();
        return cluster;
    }

    // Alice, watched by Bob through the edge, has registered and published; Bob has heard it.
    private static async Task<(TestUserAgent Alice, TestUserAgent Bob, SipMessage First)> WatchedUserAsync(LocalCluster cluster)
    {
        await cluster.ProvisionAsync("alice", "bob");
        var alice = cluster.UserAgent("alice", "edge1");
        var bob = cluster.UserAgent("bob", "edge1");
        Assert.Equal(200, (await alice.RegisterAsync(expires: 3600)).StatusCode);
        Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor, expires: 3600)).StatusCode);
        Assert.Equal(200, (await alice.PublishAsync(Pidf, Document(alice.Aor, "before"))).StatusCode);
        return (alice, bob, await NotifyWithNoteAsync(bob, "before"));
    }

    // The time from the failure to the first PUBLISH of Alice answered 200 (tried again as a phone would).
    private static async Task<TimeSpan> FirstServedAsync(TestUserAgent alice, string note, Stopwatch since)
    {
        while (true)
        {
            try
            {
                var answer = await alice.PublishAsync(Pidf, Document(alice.Aor, note));
                if (answer.StatusCode == 200)
                    return since.Elapsed;
                Assert.Equal(503, answer.StatusCode);
            }
            catch (TimeoutException)
            {
            }
            Assert.True(since.Elapsed < TimeSpan.FromSeconds(30), "nobody served Alice again");
            await Task.Delay(20);
        }
    }

    // Bob's dialog goes on: same Call-ID and tags, a higher CSeq, from Alice's new silo; her registration is still there.
    private static async Task AssertDialogGoesOnAsync(LocalCluster cluster, TestUserAgent alice, TestUserAgent bob, SipMessage first, string note)
    {
        var next = await NotifyWithNoteAsync(bob, note);
        Assert.Equal((first.CallId, first.GetFirst(HeaderId.From)), (next.CallId, next.GetFirst(HeaderId.From)));
        Assert.True(next.CSeq > first.CSeq, $"CSeq {next.CSeq} after {first.CSeq}");
        using var api = cluster.AnySilo.CreateApiClient();
        var presence = await api.GetFromJsonAsync<JsonElement>($"/api/users/{Uri.EscapeDataString(alice.Aor)}/presence");
        Assert.Equal(1, presence.GetProperty("registrations").GetArrayLength());
    }

    internal static Task<SipMessage> NotifyWithNoteAsync(TestUserAgent watcher, string note, TimeSpan? within = null) =>
        NotifyWithNoteAsync(left => watcher.NextNotifyAsync(left), note, within);

    /// <summary>The first NOTIFY with the note, skipping others, from any watcher's queue (<paramref name="next"/> waits at most its argument).</summary>
    internal static Task<SipMessage> NotifyWithNoteAsync(Func<TimeSpan, Task<SipMessage>> next, string note, TimeSpan? within = null) =>
        NotifyWhereAsync(next, n => TestUserAgent.NoteOf(n) == note, $"the note '{note}'", within ?? TimeSpan.FromSeconds(15));

    private static async Task<SipMessage> NotifyWhereAsync(
        Func<TimeSpan, Task<SipMessage>> next, Func<SipMessage, bool> match, string what, TimeSpan? within)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"No NOTIFY with {what}.");
            var notify = await next(left);
            if (match(notify))
                return notify;
        }
    }
}

/// <summary>The cluster changing shape under a bounded workload through the edge: a silo joining, one leaving, silos killed and restarted.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterUnderLoadTests(PostgresServer postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_joining_under_load_takes_new_users_and_nothing_acknowledged_or_subscribed_is_lost()
    {
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await using var workload = await WatchedThroughAnEdgeAsync(cluster, "silo1", "silo2");

        var run = workload.RunAsync(TimeSpan.FromSeconds(8), maxRounds: 5000);
        await Task.Delay(2000);
        await cluster.StartSiloAsync("silo3");
        await run;
        await cluster.WaitForMembersAsync();

        await workload.VerifyAsync(TimeSpan.FromSeconds(20));
        // Orleans places a new user on the silo its load statistics favour, and those are refreshed every few seconds:
        // under the whole test suite's load the newcomer may look busy at first, so new users come in rounds, each a
        // second apart, until one lands there (bounded: 10 rounds of 24).
        var homes = new HashSet<string>();
        for (int round = 0; round < 10 && !homes.Contains("silo3"); round++)
        {
            if (round > 0)
                await Task.Delay(1000);
            for (int i = 0; i < 24; i++)
                homes.Add(await cluster.SiloOfAsync($"sip:newcomer{round}-{i}@example.com", cluster["silo3"]));
        }
        Assert.Contains("silo3", homes);
        output.WriteLine($"acknowledged PUBLISHes: {workload.Acknowledged}; retried: {workload.Retries}; write conflicts per silo: {string.Join(", ", await cluster.WriteConflictsAsync())}");
    }

    [Fact]
    public async Task A_silo_leaving_gracefully_under_load_loses_nothing_acknowledged_and_watchers_cseq_keeps_rising()
    {
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await using var workload = await WatchedThroughAnEdgeAsync(cluster, "silo1", "silo2");

        var run = workload.RunAsync(TimeSpan.FromSeconds(8), maxRounds: 5000);
        await Task.Delay(2500);
        int exit = await cluster.TerminateAsync("silo2");
        await run;
        Assert.Equal(0, exit);
        await cluster.WaitForMembersAsync();

        await workload.VerifyAsync(TimeSpan.FromSeconds(20));
        output.WriteLine($"acknowledged PUBLISHes: {workload.Acknowledged}; retried: {workload.Retries}; write conflicts: {string.Join(", ", await cluster.WriteConflictsAsync())}");
    }

    [Fact]
    public async Task Silos_killed_and_restarted_during_a_workload_lose_nothing_acknowledged()
    {
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await using var workload = await WatchedThroughAnEdgeAsync(cluster, "silo1", "silo2", "silo3");

        // The workload runs until the chaos is over (60 s and 10,000 rounds at most, whichever comes first).
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = workload.RunAsync(TimeSpan.FromSeconds(60), maxRounds: 10000, stop.Token);
        var random = new Random(20261207);
        var kills = 0;
        // Bounded chaos: three kill/restart cycles, one silo at a time.
        for (var cycle = 0; cycle < 3 && !run.IsCompleted; cycle++)
        {
            await Task.Delay(1500);
            var victim = $"silo{random.Next(1, 4)}";
            await cluster.KillAsync(victim);
            kills++;
            await Task.Delay(2500);
            await cluster.StartSiloAsync(victim);
        }
        await Task.Delay(1500);
        await stop.CancelAsync();
        await run;
        await cluster.WaitForMembersAsync();
        // No settling round: a change acknowledged in the instant before a kill, whose NOTIFYs had not left, is sent
        // again by the user's next activation, so every watcher has heard the last change without a newer one.
        await workload.VerifyAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"kills: {kills}; acknowledged PUBLISHes: {workload.Acknowledged}; retried: {workload.Retries}; write conflicts per silo: {string.Join(", ", await cluster.WriteConflictsAsync())}");
        Assert.Equal(3, kills);
    }

    /// <summary>The silos and edge1 started and in the membership, then 24 users each followed by a watcher, all through the edge.</summary>
    private static async Task<ClusterWorkload> WatchedThroughAnEdgeAsync(LocalCluster cluster, params string[] silos)
    {
        await Task.WhenAll([.. silos.Select(silo => cluster.StartSiloAsync(silo)), cluster.StartEdgeAsync("edge1")]);
        await cluster.WaitForMembersAsync();
        var workload = await ClusterWorkload.CreateAsync(cluster, users: 24, via: "edge1");
        await workload.SubscribeAllAsync();
        return workload;
    }
}
