using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Storage;
using Presence.Grains.Storage;

namespace Presence.Grains.Tests.Storage;

/// <summary>The grain storage provider alone: reads items and the version, writes only what is staged, refuses a stale etag.</summary>
public sealed class ItemGrainStorageTests : IAsyncLifetime
{
    private readonly TempDatabase _database = new();
    private SqliteGrainStore _store = null!;
    private GroupCommitter _committer = null!;
    private ItemGrainStorage _storage = null!;
    private static readonly GrainId User = GrainId.Create("presentity", "sip:alice@example.com");

    public async Task InitializeAsync()
    {
        _store = await _database.OpenAsync();
        _committer = new GroupCommitter(_store);
        _storage = new ItemGrainStorage(_store, _committer, NullLogger<ItemGrainStorage>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _committer.DisposeAsync();
        await _store.DisposeAsync();
        _database.Dispose();
    }

    [Fact]
    public async Task A_write_applies_only_what_is_staged_and_moves_the_etag()
    {
        var state = new GrainState<ItemizedState>(new ItemizedState());
        await _storage.ReadStateAsync("s", User, state);
        Assert.False(state.RecordExists);
        Assert.Equal("0", state.ETag);

        var due = DateTimeOffset.UtcNow.AddMinutes(5);
        state.State!.Stage([new StoredItem("binding", "a", [1]), new StoredItem("binding", "b", [2])], [], [], due);
        await _storage.WriteStateAsync("s", User, state);
        Assert.Equal("1", state.ETag);
        state.State!.Stage([new StoredItem("binding", "b", [3])], [("binding", "a")], [], null);
        await _storage.WriteStateAsync("s", User, state);
        Assert.Equal("2", state.ETag);
        Assert.Empty(state.State!.Upserts);

        var read = new GrainState<ItemizedState>(new ItemizedState());
        await _storage.ReadStateAsync("s", User, read);
        Assert.True(read.RecordExists);
        Assert.Equal("2", read.ETag);
        var item = Assert.Single(read.State!.Items);
        Assert.Equal("b", item.Key);
        Assert.Equal(new byte[] { 3 }, item.Payload);
        Assert.Null(read.State.StoredDueAt);
    }

    [Fact]
    public async Task A_writer_with_a_stale_etag_is_refused_and_nothing_of_its_write_applies()
    {
        var first = new GrainState<ItemizedState>(new ItemizedState());
        var second = new GrainState<ItemizedState>(new ItemizedState());
        await _storage.ReadStateAsync("s", User, first);
        await _storage.ReadStateAsync("s", User, second);
        first.State!.Stage([new StoredItem("binding", "a", [1])], [], [], null);
        await _storage.WriteStateAsync("s", User, first);

        second.State!.Stage([new StoredItem("binding", "z", [9])], [], [], null);
        var refused = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("s", User, second));
        Assert.Equal("1", refused.StoredEtag);
        var stored = await _store.ReadAsync("presentity", "sip:alice@example.com", CancellationToken.None);
        Assert.Equal("a", Assert.Single(stored!.Items).Key);
    }

    [Fact]
    public async Task It_keeps_itemized_state_only_and_never_clears()
    {
        await Assert.ThrowsAsync<NotSupportedException>(() => _storage.ReadStateAsync("s", User, new GrainState<string>("x")));
        await Assert.ThrowsAsync<NotSupportedException>(() => _storage.ClearStateAsync("s", User, new GrainState<ItemizedState>(new ItemizedState())));
    }

    [Fact]
    public async Task A_database_failure_reaches_the_caller_as_an_exception_orleans_can_carry_to_another_silo()
    {
        // A driver's exception (Npgsql's PostgresException, say) is a type Orleans has no codec for: a grain call from
        // another silo would end in CodecNotFoundException. The storage hands on one that crosses, with the message.
        var failing = new FailingStore(_store, new DriverException("53300: sorry, too many clients already"));
        await using var committer = new GroupCommitter(failing);
        var storage = new ItemGrainStorage(failing, committer, NullLogger<ItemGrainStorage>.Instance);
        var state = new GrainState<ItemizedState>(new ItemizedState());

        var read = await Assert.ThrowsAsync<GrainStoreException>(() => storage.ReadStateAsync("s", User, state));
        state.State!.Stage([new StoredItem("binding", "a", [1])], [], [], null);
        var write = await Assert.ThrowsAsync<GrainStoreException>(() => storage.WriteStateAsync("s", User, state));

        using var services = new ServiceCollection()
            .AddSerializer(serializer => serializer.AddAssembly(typeof(GrainStoreException).Assembly))
            .BuildServiceProvider();
        var codec = services.GetRequiredService<Serializer>();
        Assert.ThrowsAny<Exception>(() => codec.SerializeToArray<Exception>(new DriverException("x")));
        foreach (var (failure, what) in new[] { (read, "read"), (write, "write") })
        {
            Assert.Null(failure.InnerException);
            var carried = Assert.IsType<GrainStoreException>(codec.Deserialize<Exception>(codec.SerializeToArray<Exception>(failure)));
            Assert.Equal($"The store could not {what} {User}: DriverException: 53300: sorry, too many clients already", carried.Message);
        }
        Assert.Null(await _store.ReadAsync("presentity", "sip:alice@example.com", CancellationToken.None));
    }

    private sealed class DriverException(string message) : Exception(message);

    /// <summary>The real store, with reads and writes failing as a database that refuses connections makes them fail.</summary>
    private sealed class FailingStore(IGrainStore inner, Exception failure) : IGrainStore
    {
        public Task InitializeAsync(CancellationToken ct) => inner.InitializeAsync(ct);
        public Task<GrainSnapshot?> ReadAsync(string grainType, string grainKey, CancellationToken ct) => Task.FromException<GrainSnapshot?>(failure);
        public Task<IReadOnlyList<WriteResult>> WriteAsync(IReadOnlyList<GrainWrite> batch, CancellationToken ct) => Task.FromException<IReadOnlyList<WriteResult>>(failure);
        public Task<IReadOnlyList<(string GrainKey, DateTimeOffset DueAt)>> ReadDueAsync(string grainType, DateTimeOffset before, int max, CancellationToken ct) =>
            inner.ReadDueAsync(grainType, before, max, ct);
        public Task<IReadOnlyList<HistoryRecord>> ReadHistoryAsync(string grainType, string grainKey, DateTimeOffset? since, int max, CancellationToken ct) =>
            inner.ReadHistoryAsync(grainType, grainKey, since, max, ct);
        public Task<IReadOnlyList<string>> ListKeysAsync(string grainType, string? afterKey, int max, CancellationToken ct) =>
            inner.ListKeysAsync(grainType, afterKey, max, ct);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
