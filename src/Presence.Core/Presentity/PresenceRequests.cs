using Presence.Core.Composite;
using Presence.Core.Model;

namespace Presence.Core.Presentity;

/// <summary>One Contact of a REGISTER, already parsed (RFC 3261 §10.2.1): the URI and its own expires and q.</summary>
public sealed record ContactRequest(string Uri, int? Expires, double? Q, string? InstanceId, DeviceCapabilities? Capabilities = null);

/// <summary>A REGISTER for this user (RFC 3261 §10.3). No contacts and no wildcard is a query.</summary>
public sealed record RegisterRequest(
    IReadOnlyList<ContactRequest> Contacts, bool Wildcard, int? Expires, string CallId, long CSeq, string? Flow);

/// <summary>A PUBLISH of event state (RFC 3903 §4): initial, refresh, modify or remove, told apart by If-Match and body.</summary>
/// <param name="Event">The event package the PUBLISH is for (RFC 3903 §4.1): "presence", or "dialog" (RFC 4235) for the
/// call state a phone or a proxy publishes. Entity-tags name state within one package.</param>
public sealed record PublishRequest(string? IfMatch, int? Expires, string? ContentType, byte[]? Body, string Event = EventPackage.Presence);

/// <summary>A SUBSCRIBE to this user's presence (RFC 6665 §4.2.1, RFC 3856) or to its watcher information (RFC 3857).
/// A notifier tag marks an in-dialog refresh; <see cref="AcceptsDocument"/> says the watcher takes the package's format;
/// <see cref="Edge"/> names the SIP node that holds the watcher's flow (opaque here: the host's business).</summary>
public sealed record SubscribeRequest(
    string CallId,
    string WatcherTag,
    string? NotifierTag,
    string WatcherAor,
    string WatcherUri,
    string RemoteTarget,
    IReadOnlyList<string> RouteSet,
    string? EventId,
    int? Expires,
    bool AcceptsDocument,
    string? Flow,
    string Package = Subscription.PresencePackage,
    IReadOnlyList<string>? WatcherGroups = null,
    string? Edge = null,
    bool LegacyClient = false);

/// <summary>
/// The answer to a request, in domain terms; the SIP host turns it into a response. Only the fields that fit
/// the status are set.
/// </summary>
public sealed record PresenceOutcome(int StatusCode, string? Reason = null)
{
    /// <summary>REGISTER 200: every live binding (RFC 3261 §10.3 step 8).</summary>
    public IReadOnlyList<Binding>? Bindings { get; init; }

    /// <summary>PUBLISH 200: the new entity-tag (RFC 3903 §6 step 8).</summary>
    public string? EntityTag { get; init; }

    /// <summary>The granted duration for Expires in a 2xx.</summary>
    public int? Expires { get; init; }

    /// <summary>423: the shortest duration this server accepts.</summary>
    public int? MinExpires { get; init; }

    /// <summary>302: where to go, in order, each with its q.</summary>
    public IReadOnlyList<ReachableContact>? Redirect { get; init; }

    /// <summary>480: the user's comment (the DND note), for a Warning header.</summary>
    public string? Comment { get; init; }

    /// <summary>SUBSCRIBE 2xx: our tag for the dialog (the To tag).</summary>
    public string? NotifierTag { get; init; }

    /// <summary>415: the media types accepted.</summary>
    public IReadOnlyList<string>? Accept { get; init; }

    public bool IsSuccess => StatusCode is >= 200 and < 300;
}

/// <summary>
/// A NOTIFY to send in a subscription's dialog (RFC 6665 §4.2.2): the CSeq to use, the Subscription-State value,
/// and the document. <see cref="Terminal"/> NOTIFYs end the subscription.
/// </summary>
public sealed record NotifyEffect(
    Subscription Subscription, long CSeq, string SubscriptionState, byte[] Body, string ContentType, bool Terminal, string? NotifierUri = null);
