using System.Globalization;
using System.Text;
using Presence.Grains.Storage;

namespace Presence.Grains.Tests.Storage;

/// <summary>Due times, history, key paging, schema and durability, and group commit over the store.</summary>
public abstract partial class GrainStoreConformanceTests
{
    [Fact]
    public async Task ReadDue_returns_grains_due_at_or_before_the_time_earliest_first_up_to_the_limit()
    {
        var store = await OpenAsync();
        await store.WriteAsync(
            [
                Write("late", 0, due: T0.AddSeconds(30)),
                Write("first", 0, due: T0.AddSeconds(-5)),
                Write("exact", 0, due: T0.AddSeconds(10)),
                Write("second", 0, due: T0),
                Write("never", 0),
                Write("elsewhere", 0, due: T0.AddSeconds(-60), type: "other"),
            ],
            CancellationToken.None);

        var due = await store.ReadDueAsync(GrainType, T0.AddSeconds(10), 10, CancellationToken.None);
        Assert.Equal([("first", T0.AddSeconds(-5)), ("second", T0), ("exact", T0.AddSeconds(10))], due);

        var limited = await store.ReadDueAsync(GrainType, T0.AddHours(1), 2, CancellationToken.None);
        Assert.Equal(["first", "second"], limited.Select(entry => entry.GrainKey));
    }

    [Fact]
    public async Task Each_write_sets_the_due_time_and_a_write_without_one_clears_it()
    {
        var store = await OpenAsync();
        await WriteOneAsync(store, Write("alice", 0, due: T0));
        await WriteOneAsync(store, Write("alice", 1, due: T0.AddSeconds(3600)));
        Assert.Equal(T0.AddSeconds(3600), (await store.ReadAsync(GrainType, "alice", CancellationToken.None))!.NextDueAt);

        await WriteOneAsync(store, Write("alice", 2));

        Assert.Null((await store.ReadAsync(GrainType, "alice", CancellationToken.None))!.NextDueAt);
        Assert.Empty(await store.ReadDueAsync(GrainType, T0.AddDays(1), 10, CancellationToken.None));
    }

    [Fact]
    public async Task Times_keep_their_milliseconds()
    {
        var store = await OpenAsync();
        var at = T0.AddMilliseconds(123);
        await WriteOneAsync(store, Write("alice", 0, due: at, history: [new HistoryRecord(at, [7])]));

        Assert.Equal(at, (await store.ReadAsync(GrainType, "alice", CancellationToken.None))!.NextDueAt);
        Assert.Equal(at, Assert.Single(await store.ReadHistoryAsync(GrainType, "alice", null, 10, CancellationToken.None)).At);
    }

    [Fact]
    public async Task History_reads_newest_first_from_a_time_on_and_at_most_max()
    {
        var store = await OpenAsync();
        await WriteOneAsync(store, Write("alice", 0, history: [Record(T0, "a"), Record(T0.AddSeconds(1), "b")]));
        await WriteOneAsync(store, Write("alice", 1, history: [Record(T0.AddSeconds(2), "c"), Record(T0.AddSeconds(2), "d")]));
        await WriteOneAsync(store, Write("bob", 0, history: [Record(T0.AddSeconds(5), "bob")]));

        Assert.Equal(["d", "c", "b", "a"], await HistoryAsync(store, null, 10));
        Assert.Equal(["d", "c", "b"], await HistoryAsync(store, T0.AddSeconds(1), 10));
        Assert.Equal(["d", "c"], await HistoryAsync(store, null, 2));
        Assert.Empty(await HistoryAsync(store, T0.AddSeconds(3), 10));
    }

    [Fact]
    public async Task ListKeys_pages_through_a_types_keys_in_ordinal_order()
    {
        var store = await OpenAsync();
        string[] keys = ["sip:carol@b", "sip:alice@a", "Sip:Zed@a", "sip:bob@a", "sip:alice@b"];
        await store.WriteAsync([.. keys.Select(key => Write(key, 0)), Write("sip:other@a", 0, type: "other")], CancellationToken.None);

        var pages = new List<IReadOnlyList<string>>();
        string? after = null;
        while (true)
        {
            var page = await store.ListKeysAsync(GrainType, after, 2, CancellationToken.None);
            if (page.Count == 0)
            {
                break;
            }

            pages.Add(page);
            after = page[^1];
        }

        Assert.Equal([2, 2, 1], pages.Select(page => page.Count));
        Assert.Equal(keys.Order(StringComparer.Ordinal), pages.SelectMany(page => page));
    }

    [Fact]
    public async Task Initializing_twice_is_harmless()
    {
        var store = await OpenAsync();
        await WriteOneAsync(store, Write("alice", 0, [Item("binding", "c1", "x")]));

        await store.InitializeAsync(CancellationToken.None);
        var again = await OpenAsync();

        Assert.Equal(["binding/c1=x"], Describe(await again.ReadAsync(GrainType, "alice", CancellationToken.None)));
    }

    [Fact]
    public async Task The_schema_records_each_migration_step_once()
    {
        await OpenAsync();
        await OpenAsync();

        var latest = Convert.ToInt64(await ScalarAsync("SELECT MAX(version) FROM schema_version"), CultureInfo.InvariantCulture);
        Assert.True(latest >= 1);
        Assert.Equal(latest, Convert.ToInt64(await ScalarAsync("SELECT COUNT(*) FROM schema_version"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_database_from_a_newer_build_is_refused()
    {
        await OpenAsync();
        await ScalarAsync("INSERT INTO schema_version (version, applied_at) VALUES (99, 0)");

        await using var store = CreateStore();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync(CancellationToken.None));
        Assert.Contains("99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Using_the_store_before_initializing_it_fails_clearly()
    {
        await using var store = CreateStore();
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.ReadAsync(GrainType, "alice", CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync([Write("alice", 0)], CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.ListKeysAsync(GrainType, null, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Reopening_the_store_keeps_what_was_committed()
    {
        var store = await OpenAsync();
        await WriteOneAsync(store, Write("alice", 0, [Item("binding", "c1", "x")], due: T0, history: [Record(T0, "h")]));
        await WriteOneAsync(store, Write("alice", 1, [Item("binding", "c2", "y")], due: T0.AddSeconds(1)));
        await store.DisposeAsync();

        var reopened = await OpenAsync();

        var snapshot = await reopened.ReadAsync(GrainType, "alice", CancellationToken.None);
        Assert.Equal((2L, T0.AddSeconds(1)), (snapshot!.Version, snapshot.NextDueAt));
        Assert.Equal(["binding/c1=x", "binding/c2=y"], Describe(snapshot));
        Assert.Equal(["h"], await HistoryAsync(reopened, null, 10));
        Assert.Equal(new WriteResult(WriteStatus.Committed, 3), await WriteOneAsync(reopened, Write("alice", 2)));
    }

    [Fact]
    public async Task Concurrent_group_commits_share_transactions_and_each_gets_its_own_result()
    {
        const int Grains = 64;
        const int WritesPerGrain = 4;
        var store = await OpenAsync();
        await using var committer = new GroupCommitter(store);

        // Each grain writes in sequence (as its turns would); the grains write concurrently.
        var results = await Task.WhenAll(Enumerable.Range(0, Grains).Select(grain => Task.Run(async () =>
        {
            var versions = new List<WriteResult>();
            for (var version = 0; version < WritesPerGrain; version++)
            {
                versions.Add(await committer.CommitAsync(
                    Write($"g{grain}", version, [Item("counter", "value", $"{grain}:{version + 1}")])));
            }

            return versions;
        })));

        foreach (var versions in results)
        {
            Assert.Equal(Enumerable.Range(1, WritesPerGrain).Select(v => new WriteResult(WriteStatus.Committed, v)), versions);
        }

        for (var grain = 0; grain < Grains; grain++)
        {
            var snapshot = await store.ReadAsync(GrainType, $"g{grain}", CancellationToken.None);
            Assert.Equal(WritesPerGrain, snapshot!.Version);
            Assert.Equal([$"counter/value={grain}:{WritesPerGrain}"], Describe(snapshot));
        }

        Assert.Equal(Grains * WritesPerGrain, committer.WritesCommitted);
        Assert.True(
            committer.BatchesCommitted < committer.WritesCommitted,
            $"{committer.WritesCommitted} writes took {committer.BatchesCommitted} transactions");
        Assert.True(committer.LargestBatch > 1);
        Assert.Equal(0, committer.BatchesFailed);
    }

    private static HistoryRecord Record(DateTimeOffset at, string text) => new(at, Encoding.UTF8.GetBytes(text));

    private static async Task<string[]> HistoryAsync(IGrainStore store, DateTimeOffset? since, int max) =>
        [.. (await store.ReadHistoryAsync(GrainType, "alice", since, max, CancellationToken.None))
            .Select(record => Encoding.UTF8.GetString(record.Payload))];
}
