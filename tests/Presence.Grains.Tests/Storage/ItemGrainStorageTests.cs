using Microsoft.Extensions.Logging.Abstractions;
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
}
