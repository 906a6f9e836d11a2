namespace Presence.Grains.Storage;

/// <summary>An entry of a grain's append-only history (what it published, when).</summary>
public sealed record HistoryRecord(DateTimeOffset At, byte[] Payload);

/// <summary>
/// One grain's change, applied all-or-nothing and only if the grain is still at
/// <paramref name="ExpectedVersion"/> (optimistic concurrency: two owners of one key cannot both win).
/// </summary>
/// <param name="ExpectedVersion">The version the writer last read or wrote; 0 means the grain must not exist yet.</param>
/// <param name="Upserts">Items to insert or replace.</param>
/// <param name="Deletes">Items to remove (before the upserts apply); removing one that is not there is not an error.</param>
/// <param name="NextDueAt">
/// The persisted "reminder": when the grain must be woken even if it is not active. Every write sets
/// it (null clears it), so the grain always writes the value it computes from its new state.
/// </param>
/// <param name="History">Records appended to the grain's history.</param>
public sealed record GrainWrite(
    string GrainType,
    string GrainKey,
    long ExpectedVersion,
    IReadOnlyList<StoredItem> Upserts,
    IReadOnlyList<(string Kind, string Key)> Deletes,
    DateTimeOffset? NextDueAt,
    IReadOnlyList<HistoryRecord> History)
{
    /// <summary>Throws for a write no store can apply; stores call it before their transaction starts.</summary>
    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(GrainType);
        ArgumentException.ThrowIfNullOrEmpty(GrainKey);
        ThrowIfHasNul(GrainType, nameof(GrainType));
        ThrowIfHasNul(GrainKey, nameof(GrainKey));
        ArgumentOutOfRangeException.ThrowIfNegative(ExpectedVersion);
        ArgumentNullException.ThrowIfNull(Upserts);
        ArgumentNullException.ThrowIfNull(Deletes);
        ArgumentNullException.ThrowIfNull(History);
        foreach (var item in Upserts)
        {
            ArgumentNullException.ThrowIfNull(item?.Payload, nameof(Upserts));
            ThrowIfHasNul(item.Kind, nameof(Upserts));
            ThrowIfHasNul(item.Key, nameof(Upserts));
        }

        foreach (var (kind, key) in Deletes)
        {
            ThrowIfHasNul(kind, nameof(Deletes));
            ThrowIfHasNul(key, nameof(Deletes));
        }

        foreach (var record in History)
        {
            ArgumentNullException.ThrowIfNull(record?.Payload, nameof(History));
        }
    }

    // PostgreSQL's text cannot hold U+0000 (SQLite's can). Every store refuses it up front, so that no key
    // is accepted by one store and fails a whole batch in another.
    private static void ThrowIfHasNul(string value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("Names and keys must not contain U+0000.", name);
        }
    }
}
