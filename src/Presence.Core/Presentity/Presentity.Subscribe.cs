using Presence.Core.Composite;
using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Core.Persistence;

namespace Presence.Core.Presentity;

public sealed partial class Presentity
{
    /// <summary>
    /// SUBSCRIBE to presence (RFC 6665 §4.2.1, RFC 3856 §6): a new subscription, a fetch (Expires 0), a refresh or an
    /// unsubscribe (in-dialog, Expires 0). Each success is followed at once by a NOTIFY with the current document.
    /// </summary>
    public PresenceOutcome Subscribe(SubscribeRequest request, DateTimeOffset now)
    {
        Expire(now);
        bool winfo = request.Package == Subscription.WatcherInfoPackage;
        bool dialog = request.Package == Subscription.DialogPackage;
        // RFC 3856 §6.7 / RFC 6665 §4.2.1.1: a watcher that cannot take the package's format gets 406.
        if (!request.AcceptsDocument)
            return new PresenceOutcome(406) { Accept = [ContentTypeOf(request.Package)] };
        // RFC 3857 §5.1: who watches a user is the user's own business.
        if (winfo && !string.Equals(request.WatcherAor, Aor, StringComparison.OrdinalIgnoreCase))
            return new PresenceOutcome(403, "Only The User May See Its Watchers");
        int expires = request.Expires ?? _options.DefaultSubscribeExpires;
        if (expires > 0 && expires < _options.MinSubscribeExpires)
            return new PresenceOutcome(423) { MinExpires = _options.MinSubscribeExpires };
        expires = Clamp(expires, _options.MaxSubscribeExpires);
        CompositePresence composite = Composite(now);
        byte[] document = PidfWriter.Write(ToDocument(composite));

        if (request.NotifierTag is null)
        {
            WatcherAction decision = winfo ? WatcherAction.Allow
                : _options.Watchers.Decide(Aor, request.WatcherAor, _rules, request.WatcherGroups, _groups);
            // SPEC.md "Who may see what": a blocked watcher is refused (RFC 3856 §6.6: 403).
            if (decision == WatcherAction.Block)
                return new PresenceOutcome(403, "Watcher Not Allowed");
            string tag = NewTag();
            var subscription = new Subscription(
                tag, request.CallId, request.WatcherTag, tag, request.WatcherAor, request.WatcherUri, request.RemoteTarget,
                request.RouteSet, request.EventId, now.AddSeconds(expires),
                decision == WatcherAction.Confirm ? SubscriptionState.Pending : SubscriptionState.Active,
                request.Flow, CSeqReserved: 0, decision, request.Package, request.WatcherGroups, request.Edge);
            if (expires == 0)
            {
                // RFC 6665 §4.4.3: a fetch is a subscription that ends with its first NOTIFY.
                _nextCSeq[tag] = 1;
                Notify(subscription, "terminated;reason=timeout", DocumentFor(subscription, document), terminal: true, stored: false);
                return new PresenceOutcome(200) { NotifierTag = tag, Expires = 0 };
            }
            if (_subscriptions.Count >= _options.MaxSubscriptions)
                return new PresenceOutcome(403, $"At Most {_options.MaxSubscriptions} Watchers");
            _subscriptions[tag] = subscription;
            _nextCSeq[tag] = 1;
            Reserve(subscription with { CSeqReserved = CSeqBlock });
            NotifyState(_subscriptions[tag], expires, document);
            // The first watcher's document is the first one sent: recorded, so that the next activation does not
            // take it for a change and tell every watcher again (a composite never computed had nothing recorded).
            if (!winfo && !dialog && _lastSent is null)
                RecordSent(composite, document);
            if (!winfo && !dialog)
                WatcherChanged(subscription, subscription.State == SubscriptionState.Pending ? "pending" : "active", "subscribe", now);
            return new PresenceOutcome(200) { NotifierTag = tag, Expires = expires };
        }

        // In-dialog: the dialog must exist (RFC 6665 §4.2.1.2), matched by Call-ID and both tags.
        if (!_subscriptions.TryGetValue(request.NotifierTag, out var existing)
            || existing.CallId != request.CallId || existing.WatcherTag != request.WatcherTag)
            return new PresenceOutcome(481);
        if (expires == 0)
        {
            // RFC 6665 §4.2.1.4: unsubscribing is refreshing with Expires 0; the final NOTIFY says terminated.
            Terminate(existing, "timeout", now, document);
            return new PresenceOutcome(200) { NotifierTag = existing.NotifierTag, Expires = 0 };
        }
        var refreshed = existing with { ExpiresAt = now.AddSeconds(expires), RemoteTarget = request.RemoteTarget, Flow = request.Flow ?? existing.Flow, Edge = request.Edge ?? existing.Edge };
        _subscriptions[refreshed.Id] = refreshed;
        Changes.Upsert(PresentityItems.SubscriptionKind, refreshed.Id, PresentityItems.Serialize(refreshed));
        // RFC 6665 §4.2.1.2: a refresh is answered with a NOTIFY too.
        NotifyState(_subscriptions[refreshed.Id], expires, document);
        return new PresenceOutcome(200) { NotifierTag = refreshed.NotifierTag, Expires = expires };
    }

    /// <summary>
    /// The outcome of a NOTIFY (RFC 6665 §4.2.2): a 481, a timeout or a transport failure (reported as 408 and 503)
    /// ends the subscription without another NOTIFY; other answers leave it as it is.
    /// </summary>
    public void OnNotifyResult(string subscriptionId, int statusCode, DateTimeOffset now)
    {
        if (statusCode is not (481 or 408 or 503))
            return;
        if (_listSubscriptions.TryGetValue(subscriptionId, out var listSubscription))
        {
            ForgetListSubscription(listSubscription);
            ReleaseBackEnds();
            return;
        }
        if (!_subscriptions.TryGetValue(subscriptionId, out var subscription))
            return;
        _subscriptions.Remove(subscription.Id);
        _nextCSeq.Remove(subscription.Id);
        Changes.Delete(PresentityItems.SubscriptionKind, subscription.Id);
        if (subscription.IsPresence)
            WatcherChanged(subscription, "terminated", "deactivated", now);
    }

    private void Terminate(Subscription subscription, string reason, DateTimeOffset now, byte[]? document = null)
    {
        _subscriptions.Remove(subscription.Id);
        Changes.Delete(PresentityItems.SubscriptionKind, subscription.Id);
        // A rejected watcher learns nothing more (RFC 6665 §4.2.2: "rejected" carries no state).
        byte[] body = reason == "rejected" ? [] : DocumentFor(subscription, document ?? PidfWriter.Write(ToDocument(Composite(now))));
        Notify(subscription, "terminated;reason=" + reason, body, terminal: true, stored: false);
        _nextCSeq.Remove(subscription.Id);
        if (subscription.IsPresence)
            WatcherChanged(subscription, "terminated", reason == "rejected" ? "rejected" : "timeout", now);
    }

    /// <summary>The NOTIFY of a subscription's current state: active with what it may see, or pending without a body
    /// (RFC 3856 §6.6: no presence information leaks before the user has decided).</summary>
    private void NotifyState(Subscription subscription, int expires, byte[] document)
    {
        string state = subscription.State == SubscriptionState.Pending ? $"pending;expires={expires}" : $"active;expires={expires}";
        Notify(subscription, state, DocumentFor(subscription, document), terminal: false);
    }

    /// <summary>What a watcher may see of <paramref name="document"/>: all of it, closed only, or nothing.</summary>
    private byte[] DocumentFor(Subscription subscription, byte[] document) =>
        subscription.IsWatcherInfo ? WatcherInfoFull(subscription)
        : subscription.State == SubscriptionState.Pending ? []
        // A politely blocked dialog watcher sees a user who is never in a call.
        : subscription.IsDialog ? DialogDocument(subscription, subscription.Decision == WatcherAction.PoliteBlock ? [] : CurrentDialogs())
        : subscription.Decision == WatcherAction.PoliteBlock ? PidfWriter.WriteClosedOnly(Aor) : document;

    private static string ContentTypeOf(string package) => package switch
    {
        Subscription.WatcherInfoPackage => WatcherInfoWriter.ContentType,
        Subscription.DialogPackage => DialogInfoWriter.ContentType,
        _ => PidfWriter.ContentType,
    };

    private void Notify(
        Subscription subscription, string state, byte[] document, bool terminal, bool stored = true, string? contentType = null, string? notifierUri = null)
    {
        long cseq = NextCSeq(subscription, stored);
        contentType = document.Length == 0 ? string.Empty : contentType ?? ContentTypeOf(subscription.Package);
        Changes.Notifies.Add(new NotifyEffect(subscription, cseq, state, document, contentType, terminal, notifierUri));
    }

    /// <summary>
    /// NOTIFY CSeq numbers must keep rising in a dialog even across a restart or a move to another silo, without a
    /// write per NOTIFY: numbers are reserved in storage a block at a time and counted through in memory. A new
    /// subscription's row carries its first block; past that (and after every load) the user's one CSeq floor is
    /// raised for all its dialogs together.
    /// </summary>
    private long NextCSeq(Subscription subscription, bool stored)
    {
        long next = _nextCSeq.TryGetValue(subscription.Id, out long n) ? n : 1;
        _nextCSeq[subscription.Id] = next + 1;
        if (stored && (_subscriptions.TryGetValue(subscription.Id, out var current) || _listSubscriptions.TryGetValue(subscription.Id, out current))
            && next > Math.Max(current.CSeqReserved, _cseqFloor))
            RaiseCSeqFloor(next + CSeqBlock);
        return next;
    }

    private void RaiseCSeqFloor(long floor)
    {
        _cseqFloor = floor;
        Changes.Upsert(PresentityItems.CSeqKind, string.Empty, PresentityItems.Serialize(floor));
    }

    private void Reserve(Subscription subscription)
    {
        _subscriptions[subscription.Id] = subscription;
        Changes.Upsert(PresentityItems.SubscriptionKind, subscription.Id, PresentityItems.Serialize(subscription));
    }

    private static string NewTag() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
}
