namespace Presence.Storage.Benchmarks;

/// <summary>
/// A presentity's state as a grain would keep it with Persistence.AdoNet: the whole thing is one object, serialized and
/// rewritten on every write. Holds the same items our grains store as rows.
/// </summary>
public sealed class PresentityDocument
{
    public List<PresentityEntry> Items { get; set; } = [];

    /// <summary>When the grain is next due (the earliest expiry); ours stores it beside the items too.</summary>
    public DateTimeOffset? NextDueAt { get; set; }
}

/// <summary>One subscription (or binding, publication...) of the document.</summary>
public sealed record PresentityEntry(string Kind, string Key, string Payload);
