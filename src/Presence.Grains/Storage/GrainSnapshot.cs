namespace Presence.Grains.Storage;

/// <summary>
/// One item of a grain's state: a registration binding, a publication, a subscription... The grain
/// decides what the kinds mean and how payloads are encoded; the store only keeps them apart by
/// (<paramref name="Kind"/>, <paramref name="Key"/>), so that a refresh rewrites one small row.
/// </summary>
public sealed record StoredItem(string Kind, string Key, byte[] Payload);

/// <summary>
/// A grain's persisted state as read in one consistent snapshot.
/// </summary>
/// <param name="Version">Starts at 1 with the write that created the grain and grows by one with every committed write.</param>
/// <param name="Items">Ordered by kind, then key (ordinal).</param>
/// <param name="NextDueAt">When the grain must be woken even if it is not active; null for never.</param>
public sealed record GrainSnapshot(
    string GrainType,
    string GrainKey,
    long Version,
    IReadOnlyList<StoredItem> Items,
    DateTimeOffset? NextDueAt);
