namespace Presence.Grains.Storage;

/// <summary>
/// A grain's state as <see cref="ItemGrainStorage"/> keeps it: after a read, the stored items; before a write, only
/// what changed (items to upsert and delete, history to append, the next due time). So a SUBSCRIBE refresh writes
/// one small row, not the user's 600 subscriptions, and a grain keeps its state in its own form (a
/// <c>Presentity</c>) rather than twice. Never crosses silos: it lives between a grain and its storage.
/// </summary>
public sealed class ItemizedState
{
    /// <summary>The items as last read (ordered by kind, then key); a grain may drop them once it has loaded its own form.</summary>
    public IReadOnlyList<StoredItem> Items { get; set; } = [];

    /// <summary>When the stored row says the grain is next due (the sweeper's key), as read.</summary>
    public DateTimeOffset? StoredDueAt { get; set; }

    /// <summary>Items to insert or replace with the next write.</summary>
    public IReadOnlyList<StoredItem> Upserts { get; set; } = [];

    /// <summary>Items to remove with the next write.</summary>
    public IReadOnlyList<(string Kind, string Key)> Deletes { get; set; } = [];

    /// <summary>Records appended to the grain's history with the next write.</summary>
    public IReadOnlyList<HistoryRecord> History { get; set; } = [];

    /// <summary>When the grain must be woken even if it is not in memory; every write stores it (null: never).</summary>
    public DateTimeOffset? NextDueAt { get; set; }

    /// <summary>Sets what the next write carries.</summary>
    public void Stage(IReadOnlyList<StoredItem> upserts, IReadOnlyList<(string Kind, string Key)> deletes, IReadOnlyList<HistoryRecord> history, DateTimeOffset? nextDueAt)
    {
        Upserts = upserts;
        Deletes = deletes;
        History = history;
        NextDueAt = nextDueAt;
    }

    /// <summary>After a write (committed or not), nothing is staged any more.</summary>
    internal void ClearStaged()
    {
        Upserts = [];
        Deletes = [];
        History = [];
    }
}
