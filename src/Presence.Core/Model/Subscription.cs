namespace Presence.Core.Model;

public enum SubscriptionState : byte
{
    Active,
    Pending,
}

/// <summary>
/// A watcher's subscription to this user's presence (<see cref="Decision"/>: what the user's rules allow it to see): the dialog it lives in (RFC 6665 §4.1.2, RFC 3261 §12)
/// and when it ends. The notifier's (our) tag identifies it among the user's subscriptions. <see cref="Edge"/> is the
/// SIP node that holds the watcher's flow, where its NOTIFYs leave (opaque to the presence logic).
/// </summary>
public sealed record Subscription(
    string Id,
    string CallId,
    string WatcherTag,
    string NotifierTag,
    string WatcherAor,
    string WatcherUri,
    string RemoteTarget,
    IReadOnlyList<string> RouteSet,
    string? EventId,
    DateTimeOffset ExpiresAt,
    SubscriptionState State,
    string? Flow,
    long CSeqReserved,
    WatcherAction Decision = WatcherAction.Allow,
    string Package = Subscription.PresencePackage,
    IReadOnlyList<string>? WatcherGroups = null,
    string? Edge = null,
    string? List = null,
    bool LegacyList = false)
{
    /// <summary>RFC 3856: the presence event package.</summary>
    public const string PresencePackage = "presence";

    /// <summary>RFC 3857: watcher information about presence subscriptions, for the user itself.</summary>
    public const string WatcherInfoPackage = "presence.winfo";

    /// <summary>RFC 4235: the user's dialogs (call state), what busy-lamp fields subscribe to.</summary>
    public const string DialogPackage = "dialog";

    public bool IsWatcherInfo => Package == WatcherInfoPackage;

    public bool IsDialog => Package == DialogPackage;

    /// <summary>A watcher of the user's presence document (not of its watchers, not of its dialogs).</summary>
    public bool IsPresence => Package == PresencePackage;

    /// <summary>A subscription to one of the user's resource lists (RFC 4662), named by <see cref="List"/>.</summary>
    public bool IsList => List is not null;

    // LegacyList: the subscriber is a liblinphone older than 5.4, which takes a list's NOTIFYs only with
    // "Event: Presence" and Content-IDs without angle brackets (PresenceOptions.LegacyLinphoneLists).

    public bool IsLive(DateTimeOffset now) => ExpiresAt > now;

    public int SecondsLeft(DateTimeOffset now) => (int)Math.Max(0, Math.Ceiling((ExpiresAt - now).TotalSeconds));
}
