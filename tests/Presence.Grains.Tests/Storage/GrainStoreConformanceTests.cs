using System.Text;
using Presence.Grains.Storage;

namespace Presence.Grains.Tests.Storage;

/// <summary>
/// What every <see cref="IGrainStore"/> must do, run against each store (SQLite and PostgreSQL) so that
/// they cannot drift. A subclass gives a fresh database per test through <see cref="CreateStore"/>, and
/// raw SQL on it through <see cref="ScalarAsync"/>. This file: versions, items and batches; the other
/// part: queries, schema, durability and group commit.
/// </summary>
public abstract partial class GrainStoreConformanceTests : IAsyncLifetime
{
    protected const string GrainType = "user";
    protected static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
    private readonly List<IGrainStore> _opened = [];

    /// <summary>A new, uninitialized store over this test's database (the same database on every call).</summary>
    protected abstract IGrainStore CreateStore();

    /// <summary>Runs SQL on this test's database beside any store; the first column of the first row, if any.</summary>
    protected abstract Task<object?> ScalarAsync(string sql);

    protected async Task<IGrainStore> OpenAsync()
    {
        var store = CreateStore();
        _opened.Add(store);
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }

    /// <summary>Where a subclass makes the test's database, if it needs more than a file name.</summary>
    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task Reading_a_grain_never_written_returns_null()
    {
        var store = await OpenAsync();
        Assert.Null(await store.ReadAsync(GrainType, "nobody", CancellationToken.None));
    }

    [Fact]
    public async Task The_first_write_creates_the_grain_at_version_1_with_its_items_and_due_time()
    {
        var store = await OpenAsync();
        var result = await WriteOneAsync(store, Write(
            "alice", 0, [Item("binding", "c1", "sip:alice@10.0.0.1"), new StoredItem("empty", "e", [])], due: T0));

        Assert.Equal(new WriteResult(WriteStatus.Committed, 1), result);
        var snapshot = await store.ReadAsync(GrainType, "alice", CancellationToken.None);
        Assert.NotNull(snapshot);
        Assert.Equal((GrainType, "alice", 1L, T0), (snapshot.GrainType, snapshot.GrainKey, snapshot.Version, snapshot.NextDueAt));
        Assert.Equal(["binding/c1=sip:alice@10.0.0.1", "empty/e="], Describe(snapshot));
    }

    [Fact]
    public async Task Each_committed_write_increments_the_version()
    {
        var store = await OpenAsync();
        for (var version = 0; version < 4; version++)
        {
            var result = await WriteOneAsync(store, Write("alice", version, [Item("binding", "c1", $"v{version}")]));
            Assert.Equal(new WriteResult(WriteStatus.Committed, version + 1), result);
        }

        Assert.Equal(4, (await store.ReadAsync(GrainType, "alice", CancellationToken.None))!.Version);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_write_at_a_version_other_than_the_stores_conflicts_and_changes_nothing(long expected)
    {
        var store = await OpenAsync();
        await WriteOneAsync(store, Write("alice", 0, [Item("binding", "c1", "first")], due: T0));
        await WriteOneAsync(store, Write("alice", 1, [Item("binding", "c1", "second")], due: T0.AddMinutes(1)));

        var result = await WriteOneAsync(store, Write(
            "alice", expected, [Item("binding", "c1", "stale"), Item("binding", "c2", "new")], [("binding", "c1")],
            due: T0.AddHours(1), history: [new HistoryRecord(T0, [1])]));

        Assert.Equal(new WriteResult(WriteStatus.Conflict, 2), result);
        var snapshot = await store.ReadAsync(GrainType, "alice", CancellationToken.None);
        Assert.Equal(2, snapshot!.Version);
        Assert.Equal(T0.AddMinutes(1), snapshot.NextDueAt);
        Assert.Equal(["binding/c1=second"], Describe(snapshot));
        Assert.Empty(await store.ReadHistoryAsync(GrainType, "alice", null, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Creating_a_grain_that_exists_conflicts()
    {
        var store = await OpenAsync();
        await WriteOneAsync(store, Write("alice", 0, [Item("binding", "c1", "first")]));

        var result = await WriteOneAsync(store, Write("alice", 0, [Item("binding", "c1", "second")]));

        Assert.Equal(new WriteResult(WriteStatus.Conflict, 1), result);
        Assert.Equal(["binding/c1=first"], Describe(await store.ReadAsync(GrainType, "alice", CancellationToken.None)));
    }

    [Fact]
    public async Task Updating_a_grain_that_does_not_exist_conflicts_with_version_0()
    {
        var store = await OpenAsync();
        Assert.Equal(new WriteResult(WriteStatus.Conflict, 0), await WriteOneAsync(store, Write("ghost", 3)));
        Assert.Null(await store.ReadAsync(GrainType, "ghost", CancellationToken.None));
    }

    [Fact]
    public async Task An_upsert_replaces_the_items_payload_and_leaves_the_others()
    {
        var store = await OpenAsync();
        await WriteOneAsync(store, Write("alice", 0, [Item("binding", "c1", "old"), Item("binding", "c2", "kept")]));

        await WriteOneAsync(store, Write("alice", 1, [Item("binding", "c1", "new")]));

        Assert.Equal(["binding/c1=new", "binding/c2=kept"], Describe(await store.ReadAsync(GrainType, "alice", CancellationToken.None)));
    }

    [Fact]
    public async Task A_delete_removes_the_item_and_deleting_a_missing_item_is_harmless()
    {
        var store = await OpenAsync();
        await WriteOneAsync(store, Write("alice", 0, [Item("binding", "c1", "x"), Item("publication", "e1", "y")]));

        var result = await WriteOneAsync(store, Write("alice", 1, deletes: [("binding", "c1"), ("binding", "missing")]));

        Assert.Equal(WriteStatus.Committed, result.Status);
        Assert.Equal(["publication/e1=y"], Describe(await store.ReadAsync(GrainType, "alice", CancellationToken.None)));
    }

    [Fact]
    public async Task Deletes_apply_before_upserts_within_a_write()
    {
        var store = await OpenAsync();
        await WriteOneAsync(store, Write("alice", 0, [Item("binding", "c1", "old")]));

        await WriteOneAsync(store, Write("alice", 1, [Item("binding", "c1", "new")], [("binding", "c1")]));

        Assert.Equal(["binding/c1=new"], Describe(await store.ReadAsync(GrainType, "alice", CancellationToken.None)));
    }

    [Fact]
    public async Task An_item_upserted_twice_in_one_write_keeps_the_last_payload()
    {
        var store = await OpenAsync();
        await WriteOneAsync(store, Write("alice", 0, [Item("binding", "c1", "old"), Item("binding", "c3", "gone")]));

        await WriteOneAsync(store, Write(
            "alice", 1, [Item("binding", "c1", "one"), Item("binding", "c2", "x"), Item("binding", "c1", "two")],
            [("binding", "c1"), ("binding", "c3")]));

        Assert.Equal(["binding/c1=two", "binding/c2=x"], Describe(await store.ReadAsync(GrainType, "alice", CancellationToken.None)));
    }

    [Fact]
    public async Task A_batch_with_one_conflict_commits_the_others()
    {
        var store = await OpenAsync();
        await WriteOneAsync(store, Write("bob", 0, [Item("binding", "c1", "bob")]));

        var results = await store.WriteAsync(
            [
                Write("alice", 0, [Item("binding", "c1", "alice")]),
                Write("bob", 7, [Item("binding", "c1", "stale")]),
                Write("carol", 0, [Item("binding", "c1", "carol")]),
            ],
            CancellationToken.None);

        Assert.Equal(
            [new WriteResult(WriteStatus.Committed, 1), new WriteResult(WriteStatus.Conflict, 1), new WriteResult(WriteStatus.Committed, 1)],
            results);
        Assert.Equal(["binding/c1=alice"], Describe(await store.ReadAsync(GrainType, "alice", CancellationToken.None)));
        Assert.Equal(["binding/c1=bob"], Describe(await store.ReadAsync(GrainType, "bob", CancellationToken.None)));
        Assert.Equal(["binding/c1=carol"], Describe(await store.ReadAsync(GrainType, "carol", CancellationToken.None)));
    }

    [Fact]
    public async Task Writes_to_one_grain_within_a_batch_apply_in_order()
    {
        var store = await OpenAsync();

        var results = await store.WriteAsync(
            [Write("alice", 0, [Item("binding", "c1", "one")]), Write("alice", 1, [Item("binding", "c1", "two")]), Write("alice", 1)],
            CancellationToken.None);

        Assert.Equal(
            [new WriteResult(WriteStatus.Committed, 1), new WriteResult(WriteStatus.Committed, 2), new WriteResult(WriteStatus.Conflict, 2)],
            results);
        Assert.Equal(["binding/c1=two"], Describe(await store.ReadAsync(GrainType, "alice", CancellationToken.None)));
    }

    [Fact]
    public async Task Grain_types_keep_their_keys_apart()
    {
        var store = await OpenAsync();
        await WriteOneAsync(store, Write("alice", 0, [Item("k", "1", "user")]));
        await WriteOneAsync(store, Write("alice", 0, [Item("k", "1", "other")], type: "other"));

        Assert.Equal(["k/1=user"], Describe(await store.ReadAsync(GrainType, "alice", CancellationToken.None)));
        Assert.Equal(["k/1=other"], Describe(await store.ReadAsync("other", "alice", CancellationToken.None)));
    }

    [Fact]
    public async Task A_malformed_write_is_refused_before_anything_commits()
    {
        var store = await OpenAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.WriteAsync(
            [Write("alice", 0), Write("", 0)], CancellationToken.None));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.WriteAsync(
            [Write("alice", 0), Write("bob", -1)], CancellationToken.None));
        // U+0000 is refused by every store alike, because PostgreSQL's text cannot hold it.
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.WriteAsync(
            [Write("alice", 0), Write("b\0b", 0)], CancellationToken.None));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.WriteAsync(
            [Write("alice", 0), Write("bob", 0, [Item("binding", "c\0", "x")])], CancellationToken.None));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.WriteAsync(
            [Write("alice", 0), Write("bob", 0, deletes: [("binding\0", "c1")])], CancellationToken.None));

        Assert.Null(await store.ReadAsync(GrainType, "alice", CancellationToken.None));
    }

    protected static GrainWrite Write(
        string key,
        long expectedVersion,
        IReadOnlyList<StoredItem>? upserts = null,
        IReadOnlyList<(string Kind, string Key)>? deletes = null,
        DateTimeOffset? due = null,
        IReadOnlyList<HistoryRecord>? history = null,
        string type = GrainType) =>
        new(type, key, expectedVersion, upserts ?? [], deletes ?? [], due, history ?? []);

    protected static StoredItem Item(string kind, string key, string text) => new(kind, key, Encoding.UTF8.GetBytes(text));

    protected static async Task<WriteResult> WriteOneAsync(IGrainStore store, GrainWrite write) =>
        Assert.Single(await store.WriteAsync([write], CancellationToken.None));

    protected static string[] Describe(GrainSnapshot? snapshot) =>
        snapshot is null ? [] : [.. snapshot.Items.Select(item => $"{item.Kind}/{item.Key}={Encoding.UTF8.GetString(item.Payload)}")];
}
