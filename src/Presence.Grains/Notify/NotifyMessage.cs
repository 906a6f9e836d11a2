using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Grains.Notify;

/// <summary>
/// A NOTIFY to send in a watcher's dialog (RFC 6665 §4.2.2), with everything the SIP node that sends it needs:
/// the dialog (Call-ID, tags, remote target, route set, the flow it came on), the CSeq the grain numbered it with,
/// Subscription-State and the body. It crosses from the user's silo to the node holding the watcher's flow.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NotifyMessage(
    [property: Id(0)] string SubscriptionId,
    [property: Id(1)] string CallId,
    [property: Id(2)] string WatcherTag,
    [property: Id(3)] string NotifierTag,
    [property: Id(4)] string WatcherUri,
    [property: Id(5)] string RemoteTarget,
    [property: Id(6)] string[] RouteSet,
    [property: Id(7)] string Package,
    [property: Id(8)] string? EventId,
    [property: Id(9)] string? Flow,
    [property: Id(10)] long CSeq,
    [property: Id(11)] string SubscriptionState,
    [property: Id(12)] string ContentType,
    [property: Id(13)] byte[] Body,
    [property: Id(14)] bool Terminal,
    [property: Id(15)] string? Edge,
    [property: Id(16)] string? NotifierUri = null)
{
    /// <summary>The Event of a list NOTIFY to a liblinphone before 5.4 (see <see cref="Subscription.LegacyList"/>).</summary>
    public const string LegacyListEvent = "Presence";

    public static NotifyMessage From(NotifyEffect notify)
    {
        var s = notify.Subscription;
        return new NotifyMessage(
            s.Id, s.CallId, s.WatcherTag, s.NotifierTag, s.WatcherUri, s.RemoteTarget, s.RouteSet as string[] ?? [.. s.RouteSet],
            s.IsList && s.LegacyList && s.IsPresence ? LegacyListEvent : s.Package, s.EventId, s.Flow, notify.CSeq, notify.SubscriptionState, notify.ContentType,
            notify.Body, notify.Terminal, s.Edge, notify.NotifierUri);
    }
}
