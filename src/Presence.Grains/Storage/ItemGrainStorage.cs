using System.Globalization;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Presence.Grains.Storage;

/// <summary>
/// Orleans' grain storage (<see cref="IGrainStorage"/>) over the project's store: per-item rows and group commit,
/// on SQLite (the embedded default) or PostgreSQL (a cluster). A grain's state is an <see cref="ItemizedState"/>:
/// a read gives its items, a write applies only what the grain staged, in the next group-commit transaction, and
/// returns once that transaction is durable. The etag is the grain row's version: a writer whose etag is not the
/// stored version (a second activation, a write that failed before) is refused with
/// <see cref="InconsistentStateException"/> and nothing of its write applies; Orleans then deactivates the grain,
/// whose next activation reads the stored state again.
/// </summary>
/// <remarks>
/// Chosen over Microsoft.Orleans.Persistence.AdoNet by measurement (README "Grain state"): that provider rewrites
/// the whole state in one round trip per write, without batching and without a unique key on the grain.
/// </remarks>
public sealed partial class ItemGrainStorage(IGrainStore store, GroupCommitter committer, ILogger<ItemGrainStorage> logger) : IGrainStorage
{
    /// <summary>The provider's name, as grains name it in <c>[PersistentState(..., ItemGrainStorage.Name)]</c>.</summary>
    public const string Name = "presence";

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var state = Itemized(grainState);
        GrainSnapshot? snapshot;
        try
        {
            snapshot = await store.ReadAsync(grainId.Type.ToString()!, grainId.Key.ToString()!, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw Failure("read", grainId, e);
        }
        state.Items = snapshot?.Items ?? [];
        state.StoredDueAt = snapshot?.NextDueAt;
        state.NextDueAt = snapshot?.NextDueAt;
        state.ClearStaged();
        grainState.RecordExists = snapshot is not null;
        grainState.ETag = (snapshot?.Version ?? 0).ToString(CultureInfo.InvariantCulture);
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var state = Itemized(grainState);
        long expected = grainState.ETag is { } etag ? long.Parse(etag, CultureInfo.InvariantCulture) : 0;
        var write = new GrainWrite(
            grainId.Type.ToString()!, grainId.Key.ToString()!, expected, state.Upserts, state.Deletes, state.NextDueAt, state.History);
        state.ClearStaged();
        WriteResult result;
        try
        {
            result = await committer.CommitAsync(write).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw Failure("write", grainId, e);
        }
        if (result.Status != WriteStatus.Committed)
        {
            LogConflict(logger, grainId, expected, result.NewVersion);
            throw new InconsistentStateException(
                $"{grainId} is at version {result.NewVersion} in the store, not {expected}: another activation wrote it.",
                result.NewVersion.ToString(CultureInfo.InvariantCulture), grainState.ETag ?? "0");
        }
        grainState.ETag = result.NewVersion.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        state.StoredDueAt = state.NextDueAt;
    }

    /// <summary>Users are never deleted (their history is kept); nothing in this project clears a state.</summary>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        throw new NotSupportedException($"The {Name} grain storage keeps users' state and history; it does not clear a grain.");

    // What the caller can act on passes as it is; a database's own exceptions become one Orleans can carry.
    private static bool IsStoreFailure(Exception e) => e is not (OperationCanceledException or ObjectDisposedException or GrainStoreException);

    private static GrainStoreException Failure(string what, GrainId grainId, Exception e) =>
        new($"The store could not {what} {grainId}: {e.GetType().Name}: {e.Message}");

    private static ItemizedState Itemized<T>(IGrainState<T> grainState) =>
        grainState.State as ItemizedState
        ?? throw new NotSupportedException($"The {Name} grain storage keeps {nameof(ItemizedState)}, not {typeof(T).Name}.");

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning,
        Message = "Write of {GrainId} refused: it expected version {Expected}, the store holds {Stored}; the grain re-reads")]
    private static partial void LogConflict(ILogger logger, GrainId grainId, long expected, long stored);
}
