using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Presence.Cluster.Membership;
using Presence.Cluster.Runtime;
using Presence.Cluster.Tests.Runtime;
using Presence.Cluster.Tests.Storage;

namespace Presence.Cluster.Tests.Membership;

/// <summary>
/// Membership against a real PostgreSQL: joins by compare-and-swap, leases judged by the database's
/// clock, death declarations, self-fencing, handover gates and graceful leave. Each test has its own database.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MembershipAgentTests(PostgresServer server) : IAsyncLifetime
{
    private static readonly MembershipOptions Fast = new()
    {
        LeaseDuration = TimeSpan.FromSeconds(2),
        RenewInterval = TimeSpan.FromMilliseconds(300),
        FenceMargin = TimeSpan.FromMilliseconds(400),
        ProbeInterval = TimeSpan.FromMilliseconds(200),
        HandoverTimeout = TimeSpan.FromSeconds(10),
    };

    private readonly List<IAsyncDisposable> _owned = [];
    private string _database = "";
    private string _connectionString = "";

    public async Task InitializeAsync() => (_database, _connectionString) = await server.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
            await _owned[i].DisposeAsync();
        await server.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task Silos_that_join_agree_on_one_ring_and_split_the_partitions()
    {
        var agents = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => StartAsync($"silo{i}")));

        await Eventually.TrueAsync(() => agents.All(a => a.Ring.Silos.Count == 3 && a.Ring.Version == agents[0].Ring.Version), "every agent sees the same 3-silo ring");
        var owned = agents.Select(a => a.OwnedCount).ToArray();
        Assert.Equal(Fast.Partitions, owned.Sum());
        // Rendezvous hashing over 3 names: each gets roughly a third (4096/3 = 1365).
        Assert.All(owned, count => Assert.InRange(count, 1100, 1650));
        for (var p = 0; p < Fast.Partitions; p += 97)
            Assert.Single(agents, a => a.Owns(p));
        // Three joins on a fresh cluster: versions 1, 2, 3 by compare-and-swap, whatever order they came in.
        var snapshot = await Table().ReadAsync(CancellationToken.None);
        Assert.True(snapshot.Version >= 3);
        Assert.Equal(3, snapshot.Members.Count(m => m.Status == MemberStatus.Active));
    }

    [Fact]
    public async Task A_silo_that_stops_renewing_is_declared_dead_by_the_database_clock_and_its_partitions_move()
    {
        var survivor = await StartAsync("silo1");
        var victim = await StartAsync("silo2", own: false);
        await Eventually.TrueAsync(() => survivor.Ring.Silos.Count == 2, "both silos in the ring");
        Assert.True(victim.OwnedCount > 0);

        // Killed: no leave, no more renewals.
        var killedAt = Stopwatch.StartNew();
        await victim.DisposeAsync();

        await Eventually.TrueAsync(() => survivor.OwnedCount == Fast.Partitions, "the survivor owns every partition", TimeSpan.FromSeconds(10));
        var detection = killedAt.Elapsed;
        // Lease 2 s + probe 0.2 s: declared within the lease plus a probe or two, far under Orleans' ~15 s (the upper
        // bound leaves room for a machine busy with other work; the lower one says it waited for the lease).
        Assert.InRange(detection, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(6));
        Assert.Equal(1, survivor.DeclaredDead);
        var rows = await Table().ReadAsync(CancellationToken.None);
        Assert.Equal(MemberStatus.Dead, rows.Members.Single(m => m.SiloId == "silo2").Status);
        // Nothing to wait for from a dead owner: the partitions are servable at once.
        Assert.Equal(0, survivor.PendingHandovers);
    }

    [Fact]
    public async Task A_joining_silo_waits_for_the_previous_owner_to_release_before_it_serves()
    {
        var releasedAt = new ConcurrentQueue<(string Silo, DateTime At, int Partitions)>();
        var first = await StartAsync("silo1", releaser: new SlowReleaser("silo1", TimeSpan.FromMilliseconds(700), releasedAt));
        Assert.Equal(Fast.Partitions, first.OwnedCount);

        var second = await StartAsync("silo2");
        var gained = Enumerable.Range(0, Fast.Partitions).First(second.Owns);
        await second.WaitServableAsync(gained, CancellationToken.None);
        var servableAt = DateTime.UtcNow;

        var release = Assert.Single(releasedAt);
        Assert.True(release.Partitions > 0, "the first silo was asked to let go of the partitions the second gained");
        Assert.True(servableAt >= release.At, "served before the previous owner had let go");
        Assert.False(first.Owns(gained));
        await Assert.ThrowsAsync<PartitionNotOwnedException>(() => first.WaitServableAsync(gained, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task A_leaving_silo_hands_everything_over_and_ends_left()
    {
        var releasedAt = new ConcurrentQueue<(string Silo, DateTime At, int Partitions)>();
        var stay = await StartAsync("silo1");
        var leave = await StartAsync("silo2", releaser: new SlowReleaser("silo2", TimeSpan.FromMilliseconds(300), releasedAt));
        await Eventually.TrueAsync(() => stay.Ring.Silos.Count == 2 && stay.PendingHandovers == 0, "two silos, handovers done");
        var lostByLeaver = leave.OwnedCount;

        await leave.LeaveAsync(CancellationToken.None);

        Assert.Equal(0, leave.OwnedCount);
        Assert.Contains(releasedAt, r => r.Silo == "silo2" && r.Partitions == Fast.Partitions);
        await Eventually.TrueAsync(() => stay.OwnedCount == Fast.Partitions && stay.PendingHandovers == 0, "the stayer owns and serves everything");
        var rows = await Table().ReadAsync(CancellationToken.None);
        Assert.Equal(MemberStatus.Left, rows.Members.Single(m => m.SiloId == "silo2").Status);
        Assert.True(lostByLeaver > 0);
        Assert.Equal(0, stay.DeclaredDead);
    }

    [Fact]
    public async Task A_silo_that_cannot_renew_fences_itself_before_its_lease_runs_out()
    {
        // A wide margin, so that "fenced while the lease still runs" holds even when this machine is slow to look.
        var options = Fast with { LeaseDuration = TimeSpan.FromSeconds(3), FenceMargin = TimeSpan.FromMilliseconds(1200) };
        var agent = await StartAsync("silo1", options: options);
        Assert.False(agent.IsFenced);
        Assert.True(agent.Owns(0));

        // Another session holds the silo's row locked: renewals block, as they would behind a network cut.
        await using var blocker = new NpgsqlConnection(_connectionString);
        await blocker.OpenAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM cluster_members WHERE silo_id = 'silo1' FOR UPDATE", blocker, transaction))
            await lockRow.ExecuteNonQueryAsync();

        await Eventually.TrueAsync(() => agent.IsFenced, "the silo fences itself", TimeSpan.FromSeconds(6));
        // The point of fencing: it stopped serving while its lease, by the database's clock, had not yet run out,
        // so nobody could have declared it dead and served its users at the same time. (A row lock does not
        // block a plain read.)
        await using (var observer = new NpgsqlConnection(_connectionString))
        {
            await observer.OpenAsync();
            await using var leaseLeft = new NpgsqlCommand("SELECT lease_expires > now() FROM cluster_members WHERE silo_id = 'silo1'", observer);
            Assert.True((bool)(await leaseLeft.ExecuteScalarAsync())!, "fenced only after the lease had expired");
        }
        Assert.False(agent.Owns(0));
        await Assert.ThrowsAsync<PartitionNotOwnedException>(() => agent.WaitServableAsync(0, CancellationToken.None).AsTask());

        await transaction.RollbackAsync();
        // The blocked renewal goes through, and the silo serves again (nobody declared it dead: its row was locked).
        await Eventually.TrueAsync(() => !agent.IsFenced, "the silo serves again after renewing", TimeSpan.FromSeconds(10));
        Assert.True(agent.Owns(0));
    }

    [Fact]
    public async Task A_restarted_silo_replaces_its_previous_incarnation()
    {
        var other = await StartAsync("silo1");
        var before = await StartAsync("silo2", own: false);
        var oldIncarnation = before.Incarnation;
        await before.DisposeAsync();

        // Back before its lease ran out: the join itself retires the old incarnation.
        var after = await StartAsync("silo2");
        Assert.NotEqual(oldIncarnation, after.Incarnation);
        var rows = await Table().ReadAsync(CancellationToken.None);
        Assert.Equal(MemberStatus.Dead, rows.Find("silo2", oldIncarnation)!.Status);
        Assert.Equal(MemberStatus.Active, rows.Find("silo2", after.Incarnation)!.Status);
        await Eventually.TrueAsync(() => other.Ring.Silos.Count == 2 && other.OwnedCount + after.OwnedCount == Fast.Partitions, "two silos split the ring");
    }

    [Fact]
    public async Task Edges_see_the_ring_and_own_nothing()
    {
        var silo = await StartAsync("silo1");
        var edge = await StartAsync("edge1", role: MemberRole.Edge);

        await Eventually.TrueAsync(() => edge.Ring.Silos.Count == 1, "the edge sees the silo");
        Assert.Equal("silo1", edge.Ring.OwnerOfKey("sip:alice@example.com")!.SiloId);
        Assert.Equal(0, edge.OwnedCount);
        Assert.False(edge.IsFenced);
        Assert.Equal(Fast.Partitions, silo.OwnedCount);
    }

    [Fact]
    public async Task Dead_and_left_rows_are_cleaned_up_after_the_retention()
    {
        var table = Table();
        await table.InitializeAsync(CancellationToken.None);
        var agent = await StartAsync("silo1");
        await agent.LeaveAsync(CancellationToken.None);
        await Task.Delay(50);

        Assert.Equal(1, await table.CleanUpAsync(TimeSpan.FromMilliseconds(10), CancellationToken.None));
        Assert.Empty((await table.ReadAsync(CancellationToken.None)).Members);
    }

    [Fact]
    public async Task A_stale_version_changes_nothing()
    {
        var table = Table();
        await table.InitializeAsync(CancellationToken.None);
        var member = new ClusterMember("silo9", 1, MemberRole.Silo, MemberStatus.Active, "udp:127.0.0.1:5070", "http://127.0.0.1:8080",
            default, default, default, 0);
        Assert.True(await table.TryJoinAsync(member, TimeSpan.FromSeconds(3), 0, CancellationToken.None));
        // Version 0 was swapped for 1: a second writer that read 0 must lose.
        Assert.False(await table.TryJoinAsync(member with { SiloId = "silo10" }, TimeSpan.FromSeconds(3), 0, CancellationToken.None));
        Assert.False(await table.TrySetStatusAsync("silo9", 1, MemberStatus.Leaving, 0, CancellationToken.None));
        var snapshot = await table.ReadAsync(CancellationToken.None);
        Assert.Equal(1, snapshot.Version);
        Assert.Equal(MemberStatus.Active, Assert.Single(snapshot.Members).Status);
    }

    private PostgresMembershipTable Table()
    {
        var table = new PostgresMembershipTable(_connectionString, Fast.ClusterId, NullLogger.Instance);
        _owned.Add(table);
        return table;
    }

    private async Task<MembershipAgent> StartAsync(
        string name, MemberRole role = MemberRole.Silo, IPartitionReleaser? releaser = null, bool own = true, MembershipOptions? options = null)
    {
        var table = Table();
        var self = new ClusterMember(name, 0, role, MemberStatus.Active, $"udp:127.0.0.1:{5000 + name.Length}", "http://127.0.0.1:1",
            default, default, default, 0);
        var agent = new MembershipAgent(table, options ?? Fast, self, TimeProvider.System, NullLogger.Instance) { Releaser = releaser };
        if (own)
            _owned.Add(agent);
        await agent.StartAsync(CancellationToken.None);
        return agent;
    }

    private sealed class SlowReleaser(string silo, TimeSpan delay, ConcurrentQueue<(string, DateTime, int)> log) : IPartitionReleaser
    {
        public async Task ReleaseAsync(Func<int, bool> lost, CancellationToken ct)
        {
            var count = Enumerable.Range(0, Fast.Partitions).Count(lost);
            await Task.Delay(delay, ct);
            log.Enqueue((silo, DateTime.UtcNow, count));
        }
    }
}
