namespace Presence.Core.Documents;

/// <summary>
/// What one publication (one SIP-ETag, RFC 3903) says about the user, read from a PIDF or dialog-info body by
/// <see cref="PresenceDocumentReader"/>. The composite rules aggregate these over the user's devices.
/// </summary>
public sealed record PublishedState
{
    /// <summary>
    /// Aggregated over the tuples: open if any tuple is open, else closed if any is closed, else null
    /// (dialog-info, or PIDF without a recognisable basic value).
    /// </summary>
    public BasicStatus? Basic { get; init; }

    /// <summary>
    /// The first non-empty note in document order at presence, tuple, person or device level, trimmed; a note inside
    /// RPID activities only when there is no other.
    /// </summary>
    public string? Note { get; init; }

    /// <summary>RPID activity element local names (RFC 4480) in document order, without duplicates or "unknown".</summary>
    public IReadOnlyList<string> Activities { get; init; } = [];

    /// <summary>True when the aggregated basic is closed or the document carries &lt;po:donotdisturb&gt;.</summary>
    public bool DoNotDisturb { get; init; }

    /// <summary>The text of &lt;po:donotdisturb&gt;, otherwise the note of a document that declares do-not-disturb.</summary>
    public string? DndComment { get; init; }

    /// <summary>The project's &lt;po:alternative-contact&gt; elements, in document order.</summary>
    public IReadOnlyList<AlternativeContact> AlternativeContacts { get; init; } = [];

    /// <summary>The project's &lt;po:voicemail&gt; URI.</summary>
    public string? VoicemailUri { get; init; }

    /// <summary>The dialogs of a dialog-info document, in document order (none for PIDF).</summary>
    public IReadOnlyList<DialogEntry> Dialogs { get; init; } = [];

    /// <summary>From dialog-info states, or RPID on-the-phone in a PIDF document.</summary>
    public CallActivity Call { get; init; }

    /// <summary>
    /// The tuples' &lt;contact&gt; URIs in document order, each once; a contact without a valid priority gets
    /// <see cref="PresenceDocumentReader.DefaultContactPriority"/>, one that is not a URI is left out.
    /// </summary>
    public IReadOnlyList<AlternativeContact> Contacts { get; init; } = [];

    /// <summary>
    /// The &lt;contact&gt; URIs of the tuples whose basic is open, each once, in document order: where the user's own
    /// client says it can be reached (RFC 3863 §4.1.5). They are alternative contacts (SPEC "Composite status"), except
    /// the user's own AOR and a registered contact, which real clients publish and which add nothing.
    /// </summary>
    public IReadOnlyList<AlternativeContact> OpenContacts { get; init; } = [];

    /// <summary>
    /// The RFC 5196 service capabilities of the tuples that carry them (<c>&lt;caps:servcaps&gt;</c>), each with the
    /// tuple's contact and <c>&lt;dm:deviceID&gt;</c>, in document order.
    /// </summary>
    public IReadOnlyList<PublishedService> Services { get; init; } = [];

    /// <summary>The RFC 4479 devices with RFC 5196 device capabilities (<c>&lt;caps:devcaps&gt;</c>), by device ID.</summary>
    public IReadOnlyList<PublishedDevice> Devices { get; init; } = [];
}

/// <summary>One published tuple's service capabilities: where it reaches (contact, device) and what it can do.</summary>
public sealed record PublishedService(string? Contact, string? DeviceId, bool Open, Model.DeviceCapabilities Capabilities);

/// <summary>One published device (RFC 4479 &lt;dm:device&gt;): its ID and its device capabilities (mobility, description).</summary>
public sealed record PublishedDevice(string DeviceId, string? Mobility, string? Description);
