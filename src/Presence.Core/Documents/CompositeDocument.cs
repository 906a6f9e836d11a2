namespace Presence.Core.Documents;

/// <summary>The composite presence of one user, as <see cref="PidfWriter"/> puts it in the document watchers receive.</summary>
public sealed record CompositeDocument
{
    /// <summary>The presentity URI, e.g. "sip:alice@example.com" (RFC 3863 §4.1.1 entity attribute).</summary>
    public required string Entity { get; init; }

    public required ExtendedStatus Status { get; init; }

    /// <summary>The do-not-disturb comment; written as the tuples' &lt;note&gt;.</summary>
    public string? Note { get; init; }

    /// <summary>How to reach the user, already chosen and ordered by the caller (registered first, then alternatives).</summary>
    public IReadOnlyList<AlternativeContact> Contacts { get; init; } = [];

    /// <summary>Extra RPID activities to show (e.g. "away" from a client); those implied by Status are added by the writer.</summary>
    public IReadOnlyList<string> Activities { get; init; } = [];

    /// <summary>Written as &lt;timestamp&gt; in each tuple when set; absent otherwise so equal documents stay byte-identical.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}
