namespace Presence.Grains.Storage;

/// <summary>
/// Durable grain state: one row per grain (its version and next due time), one row per item, and an
/// append-only history. Every implementation must pass <c>GrainStoreConformanceTests</c>.
/// </summary>
public interface IGrainStore : IAsyncDisposable
{
    /// <summary>Creates or migrates the schema. Idempotent; must be called before anything else.</summary>
    Task InitializeAsync(CancellationToken ct);

    /// <summary>The grain's state, or null when no write ever created it.</summary>
    Task<GrainSnapshot?> ReadAsync(string grainType, string grainKey, CancellationToken ct);

    /// <summary>
    /// Applies the batch in one transaction and returns once it is durable, one result per write in
    /// batch order. Each write is checked against its expected version on its own: a conflicting write
    /// applies nothing and does not stop the others. Writes to one grain within a batch apply in order.
    /// An exception means no write of the batch may be taken as committed.
    /// </summary>
    Task<IReadOnlyList<WriteResult>> WriteAsync(IReadOnlyList<GrainWrite> batch, CancellationToken ct);

    /// <summary>Grains of a type whose next due time is at or before <paramref name="before"/>, earliest first.</summary>
    Task<IReadOnlyList<(string GrainKey, DateTimeOffset DueAt)>> ReadDueAsync(
        string grainType, DateTimeOffset before, int max, CancellationToken ct);

    /// <summary>A grain's history newest first, only records at or after <paramref name="since"/> when given.</summary>
    Task<IReadOnlyList<HistoryRecord>> ReadHistoryAsync(
        string grainType, string grainKey, DateTimeOffset? since, int max, CancellationToken ct);

    /// <summary>Keys of a type in ordinal order, starting after <paramref name="afterKey"/> (for paging).</summary>
    Task<IReadOnlyList<string>> ListKeysAsync(string grainType, string? afterKey, int max, CancellationToken ct);
}
