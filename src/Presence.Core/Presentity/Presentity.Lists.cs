using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Core.Persistence;

namespace Presence.Core.Presentity;

/// <summary>What the host is to do for the lists: SUBSCRIBE (or, with Expires 0, unsubscribe) to a member's grain
/// on behalf of a subscriber, as <see cref="BackEnd"/> says, then report the answer (<see cref="Presentity.BackEndAnswered"/>).</summary>
public sealed record BackEndWork(BackEndSubscription BackEnd, int Expires, IReadOnlyList<string> SubscriberGroups);

/// <summary>
/// The user as a resource list server (RFC 4662): its named lists, the subscriptions to them (front-end, each a SIP
/// dialog with a watcher) and its own subscriptions to the lists' members (back-end, one per subscriber and member,
/// made to the member's grain with the subscriber as watcher, so the member's rules decide exactly as for a direct
/// SUBSCRIBE). Members' NOTIFYs come back here (<see cref="MemberNotified"/>); <see cref="FlushLists"/> turns what
/// changed into one NOTIFY per list subscription: full state first (and after a refresh, a list change or a load),
/// then partial state with only the resources that changed.
/// </summary>
public sealed partial class Presentity
{
    /// <summary>The <see cref="Subscription.Edge"/> of a back-end subscription: its NOTIFYs go to the grain of the user
    /// named after the prefix, not to a SIP node.</summary>
    public const string ListEdgePrefix = "list:";

    /// <summary>How long a back-end subscription asks to last; it is refreshed <see cref="BackEndRefreshMargin"/> before it ends.</summary>
    internal const int BackEndExpires = 3600;

    internal static readonly TimeSpan BackEndRefreshMargin = TimeSpan.FromMinutes(5);

    // After a back-end SUBSCRIBE failed (not refused), when it is tried again.
    internal static readonly TimeSpan BackEndRetry = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, ResourceList> _lists = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Subscription> _listSubscriptions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BackEndSubscription> _backEnds = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _backEndsByCallId = new(StringComparer.Ordinal);
    // What each back-end last said (memory only: after a load, the back-ends are refreshed and say it again).
    private readonly Dictionary<string, MemberState> _memberStates = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _listNeedsFull = new(StringComparer.Ordinal);
    // List subscriptions owed a NOTIFY even if nothing changed (a refresh's, RFC 6665 §4.2.1.2).
    private readonly HashSet<string> _listOwedNotify = new(StringComparer.Ordinal);
    private readonly HashSet<string> _listFetches = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changedMembers = new(StringComparer.OrdinalIgnoreCase);
    // Per list subscription, the members whose documents did not fit its last NOTIFY (MaxListNotifyBytes): next time.
    private readonly Dictionary<string, HashSet<string>> _listLeftovers = new(StringComparer.Ordinal);
    private readonly List<BackEndWork> _backEndWork = [];

    private sealed record MemberState(string State, string? Reason, byte[]? Document, long CSeq);

    public IReadOnlyDictionary<string, ResourceList> Lists => _lists;

    public IReadOnlyCollection<Subscription> ListSubscriptions => _listSubscriptions.Values;

    public IReadOnlyCollection<BackEndSubscription> BackEnds => _backEnds.Values;

    /// <summary>True when back-end SUBSCRIBEs wait for the host.</summary>
    public bool HasBackEndWork => _backEndWork.Count > 0;

    /// <summary>True when a list subscription has something to hear (full state owed, or members changed).</summary>
    public bool HasListNotifies => _listNeedsFull.Count > 0 || _changedMembers.Count > 0 || _listLeftovers.Count > 0 || _listOwedNotify.Count > 0;

    public IReadOnlyList<BackEndWork> TakeBackEndWork()
    {
        var work = _backEndWork.ToList();
        _backEndWork.Clear();
        return work;
    }

    /// <summary>True when <paramref name="callId"/> is one of this user's back-end subscriptions (a member's NOTIFY for it is wanted).</summary>
    public bool IsBackEnd(string callId) => _backEndsByCallId.ContainsKey(callId);

    /// <summary>Creates or replaces a list; its subscribers hear the new list (full state) and members' subscriptions follow.</summary>
    public PresenceOutcome PutList(ResourceList list, DateTimeOffset now)
    {
        Expire(now);
        if (!ResourceList.IsValidName(list.Name))
            return new PresenceOutcome(400, "A list name is 1 to 64 letters, digits, '.', '_' or '-'");
        if (!_lists.ContainsKey(list.Name) && _lists.Values.Count(l => !l.IsContained) >= _options.MaxLists)
            return new PresenceOutcome(403, $"At most {_options.MaxLists} lists per user");
        if (list.Entries.Count > _options.MaxListEntries)
            return new PresenceOutcome(403, $"At most {_options.MaxListEntries} entries per list");
        var entries = list.Entries.DistinctBy(e => e.Uri, StringComparer.OrdinalIgnoreCase).ToList();
        list = list with { Entries = entries };
        _lists[list.Name] = list;
        Changes.Upsert(PresentityItems.ListKind, list.Name, PresentityItems.Serialize(list));
        foreach (var s in _listSubscriptions.Values.Where(s => string.Equals(s.List, list.Name, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            if (!MaySubscribe(list, s.WatcherAor))
            {
                TerminateList(s, "rejected");
                continue;
            }
            // A list's subscriptions keep its name as the owner first wrote it.
            _listNeedsFull.Add(s.Id);
            EnsureBackEnds(s, list, now);
        }
        ReleaseBackEnds();
        return new PresenceOutcome(200);
    }

    /// <summary>Deletes a list: its subscriptions end with reason=noresource (RFC 6665 §4.2.2).</summary>
    public PresenceOutcome DeleteList(string name, DateTimeOffset now)
    {
        Expire(now);
        if (!_lists.Remove(name, out var list))
            return new PresenceOutcome(404, "No Such List");
        Changes.Delete(PresentityItems.ListKind, list.Name);
        foreach (var s in _listSubscriptions.Values.Where(s => string.Equals(s.List, list.Name, StringComparison.OrdinalIgnoreCase)).ToList())
            TerminateList(s, "noresource");
        ReleaseBackEnds();
        return new PresenceOutcome(200);
    }

    /// <summary>
    /// SUBSCRIBE to one of the user's lists (RFC 4662 §5): new, refresh, unsubscribe or fetch. 404 when the user has no
    /// such list (the host then takes the URI for a user), 421 without <c>Supported: eventlist</c>, 403 for a subscriber
    /// the list does not name. The first NOTIFY (full state) leaves once the members have answered.
    /// </summary>
    public PresenceOutcome ListSubscribe(SubscribeRequest request, string listName, bool supportsEventList, DateTimeOffset now) =>
        ListSubscribe(request, listName, null, supportsEventList, now);

    /// <summary>
    /// SUBSCRIBE with the list in its body (RFC 5367, what liblinphone sends to its "rls_uri"): the subscriber's own,
    /// served by its grain for as long as the subscription lives; a refresh that carries a list replaces it.
    /// </summary>
    public PresenceOutcome ContainedListSubscribe(SubscribeRequest request, ResourceList? contained, bool supportsEventList, DateTimeOffset now) =>
        ListSubscribe(request, null, contained, supportsEventList, now);

    private PresenceOutcome ListSubscribe(SubscribeRequest request, string? listName, ResourceList? contained, bool supportsEventList, DateTimeOffset now)
    {
        Expire(now);
        ResourceList? list = null;
        if (request.NotifierTag is not null && _listSubscriptions.TryGetValue(request.NotifierTag, out var inDialog))
            _lists.TryGetValue(inDialog.List!, out list);
        else if (listName is not null)
            _lists.TryGetValue(listName, out list);
        else if (contained is not null && request.NotifierTag is null)
            list = contained;
        if (list is null)
            return new PresenceOutcome(request.NotifierTag is null ? 404 : 481, request.NotifierTag is null ? "No Such List" : null);
        if (contained is not null && contained.Entries.Count > _options.MaxListEntries)
            return new PresenceOutcome(403, $"At most {_options.MaxListEntries} entries per list");
        if (!supportsEventList)
            return new PresenceOutcome(421, "Extension Required");
        // Presence lists, and busy-lamp lists (RFC 4235 dialog state of each member, RFC 4662 §5 carries any package).
        if (request.Package is not (Subscription.PresencePackage or Subscription.DialogPackage))
            return new PresenceOutcome(489, "Bad Event");
        if (!request.AcceptsDocument)
            return new PresenceOutcome(406) { Accept = ["multipart/related", RlmiWriter.RlmiContentType, ContentTypeOf(request.Package)] };
        if (!MaySubscribe(list, request.WatcherAor))
            return new PresenceOutcome(403, "Only The Owner May Subscribe To This List");
        int expires = request.Expires ?? _options.DefaultSubscribeExpires;
        if (expires > 0 && expires < _options.MinSubscribeExpires)
            return new PresenceOutcome(423) { MinExpires = _options.MinSubscribeExpires };
        expires = Clamp(expires, _options.MaxSubscribeExpires);

        if (request.NotifierTag is null)
        {
            if (expires > 0 && _listSubscriptions.Count >= _options.MaxSubscriptions)
                return new PresenceOutcome(403, $"At Most {_options.MaxSubscriptions} List Subscriptions");
            string tag = contained is null ? NewTag() : ResourceList.ContainedTagPrefix + NewTag();
            if (contained is not null)
            {
                list = contained with
                {
                    Name = ResourceList.ContainedPrefix + tag,
                    Entries = contained.Entries.DistinctBy(e => e.Uri, StringComparer.OrdinalIgnoreCase).ToList(),
                };
                _lists[list.Name] = list;
                if (expires > 0)
                    Changes.Upsert(PresentityItems.ListKind, list.Name, PresentityItems.Serialize(list));
            }
            var subscription = new Subscription(
                tag, request.CallId, request.WatcherTag, tag, request.WatcherAor, request.WatcherUri, request.RemoteTarget,
                request.RouteSet, request.EventId, now.AddSeconds(expires), SubscriptionState.Active,
                request.Flow, CSeqReserved: CSeqBlock, WatcherAction.Allow, request.Package, request.WatcherGroups,
                request.Edge, list.Name,
                _options.LegacyLinphoneLists switch { LegacyListClients.Always => true, LegacyListClients.Never => false, _ => request.LegacyClient });
            _listSubscriptions[tag] = subscription;
            _nextCSeq[tag] = 1;
            _listNeedsFull.Add(tag);
            if (expires == 0)
                // RFC 6665 §4.4.3: a fetch ends with its first NOTIFY; it is never stored.
                _listFetches.Add(tag);
            else
                Changes.Upsert(PresentityItems.SubscriptionKind, tag, PresentityItems.Serialize(subscription));
            EnsureBackEnds(subscription, list, now);
            return new PresenceOutcome(200) { NotifierTag = tag, Expires = expires };
        }

        if (!_listSubscriptions.TryGetValue(request.NotifierTag, out var existing)
            || existing.CallId != request.CallId || existing.WatcherTag != request.WatcherTag)
            return new PresenceOutcome(481);
        if (expires == 0)
        {
            TerminateList(existing, "timeout");
            ReleaseBackEnds();
            return new PresenceOutcome(200) { NotifierTag = existing.NotifierTag, Expires = 0 };
        }
        bool changedList = false;
        if (contained is not null && list.IsContained)
        {
            var entries = contained.Entries.DistinctBy(e => e.Uri, StringComparer.OrdinalIgnoreCase).ToList();
            changedList = !entries.SequenceEqual(list.Entries);
            list = list with { Entries = entries };
            _lists[list.Name] = list;
            if (changedList)
                Changes.Upsert(PresentityItems.ListKind, list.Name, PresentityItems.Serialize(list));
        }
        var refreshed = existing with
        {
            ExpiresAt = now.AddSeconds(expires), RemoteTarget = request.RemoteTarget, Flow = request.Flow ?? existing.Flow,
            Edge = request.Edge ?? existing.Edge,
        };
        _listSubscriptions[refreshed.Id] = refreshed;
        Changes.Upsert(PresentityItems.SubscriptionKind, refreshed.Id, PresentityItems.Serialize(refreshed));
        // RFC 6665 §4.2.1.2: a refresh is answered with a NOTIFY. It carries partial state, only what changed (often
        // nothing: an RLMI naming no resource, RFC 4662 §5.2), so that refreshing a list costs a small NOTIFY rather than
        // all its members' documents; a list the refresh changed gets the full state. Members that refused the
        // subscriber before are asked again, and their answer is a change like any other.
        if (changedList)
        {
            _listNeedsFull.Add(refreshed.Id);
            ReleaseBackEnds();
        }
        else
        {
            _listOwedNotify.Add(refreshed.Id);
        }
        EnsureBackEnds(refreshed, list, now);
        return new PresenceOutcome(200) { NotifierTag = refreshed.NotifierTag, Expires = expires };
    }

    /// <summary>A member answered a back-end SUBSCRIBE: 2xx keeps it (the member's NOTIFY carries the state), 403 is a
    /// refusal the list shows as terminated;reason=rejected, 481 a dialog the member no longer knows (subscribed
    /// afresh), anything else is tried again later.</summary>
    public void BackEndAnswered(string callId, int statusCode, string? notifierTag, int? expires, DateTimeOffset now)
    {
        // An unsubscribe's answer, or one for a back-end replaced or removed meanwhile: nothing to keep.
        if (!_backEndsByCallId.TryGetValue(callId, out string? key) || !_backEnds.TryGetValue(key, out var be))
            return;
        BackEndSubscription updated;
        if (statusCode is >= 200 and < 300 && notifierTag is not null)
        {
            updated = be with { NotifierTag = notifierTag, ExpiresAt = now.AddSeconds(expires ?? BackEndExpires), Rejected = false };
        }
        else if (statusCode == 403)
        {
            updated = be with { NotifierTag = null, ExpiresAt = DateTimeOffset.MaxValue, Rejected = true };
            _memberStates[be.Key] = new MemberState("terminated", "rejected", null, 0);
            _changedMembers.Add(be.Key);
        }
        else if (statusCode == 481)
        {
            RemoveBackEnd(be);
            if (NeededBy(be.Subscriber, be.Member, be.Package) is { } groups)
                AddBackEnd(be.Subscriber, be.Member, be.Package, groups, now);
            return;
        }
        else
        {
            updated = be with { NotifierTag = be.NotifierTag, ExpiresAt = now + BackEndRetry };
        }
        _backEnds[be.Key] = updated;
        Changes.Upsert(PresentityItems.BackEndKind, be.Key, PresentityItems.Serialize(updated));
    }

    /// <summary>
    /// A member's NOTIFY in a back-end dialog (RFC 6665 §4.2.2): its state and document, kept until the next flush.
    /// Older NOTIFYs than the last one heard are ignored; a terminated one ends the back-end subscription, which is
    /// made again if a list still needs it (a refusal stays, shown as rejected, until the subscriber refreshes).
    /// </summary>
    public void MemberNotified(string callId, long cseq, string subscriptionState, byte[] body, DateTimeOffset now)
    {
        if (!_backEndsByCallId.TryGetValue(callId, out string? key) || !_backEnds.TryGetValue(key, out var be))
            return;
        if (_memberStates.TryGetValue(key, out var last) && cseq <= last.CSeq)
            return;
        string state = subscriptionState.Split(';', 2)[0].Trim().ToLowerInvariant();
        if (state == "terminated")
        {
            string reason = ParameterOf(subscriptionState, "reason") ?? "deactivated";
            if (reason == "rejected")
            {
                var refused = be with { NotifierTag = null, ExpiresAt = DateTimeOffset.MaxValue, Rejected = true };
                _backEnds[key] = refused;
                Changes.Upsert(PresentityItems.BackEndKind, key, PresentityItems.Serialize(refused));
                _memberStates[key] = new MemberState("terminated", "rejected", null, cseq);
                _changedMembers.Add(key);
                return;
            }
            // RFC 4662 §4.4: an RLS subscribes again to a resource whose subscription ended for another reason.
            RemoveBackEnd(be);
            if (NeededBy(be.Subscriber, be.Member, be.Package) is { } groups)
                AddBackEnd(be.Subscriber, be.Member, be.Package, groups, now);
            return;
        }
        _memberStates[key] = state == "pending"
            ? new MemberState("pending", null, null, cseq)
            : new MemberState("active", null, body.Length > 0 ? body : null, cseq);
        _changedMembers.Add(key);
    }

    /// <summary>
    /// Sends what the list subscriptions are owed: full state to those that need it, partial state (only the resources
    /// that changed) to the others whose members changed. The version is the NOTIFY's CSeq less one, rising by one per NOTIFY
    /// of a dialog and kept rising across restarts by the same reservation as every dialog's CSeq.
    /// </summary>
    public void FlushLists(DateTimeOffset now)
    {
        if (!HasListNotifies)
            return;
        bool fetchEnded = false;
        foreach (var s in _listSubscriptions.Values.OrderBy(s => s.Id, StringComparer.Ordinal).ToList())
        {
            if (!_lists.TryGetValue(s.List!, out var list))
                continue;
            bool full = _listNeedsFull.Contains(s.Id);
            _listLeftovers.Remove(s.Id, out var leftovers);
            var resources = new List<RlmiResource>(full ? list.Entries.Count : 4);
            foreach (var entry in list.Entries)
            {
                string key = BackEndSubscription.KeyOf(s.WatcherAor, entry.Uri, s.Package);
                if (full || _changedMembers.Contains(key) || leftovers?.Contains(key) == true)
                    resources.Add(ResourceOf(key, entry, s.Package));
            }
            if (!full && resources.Count == 0 && !_listOwedNotify.Contains(s.Id))
                continue;
            // The NOTIFY stays within MaxListNotifyBytes (a UDP datagram). Full state names every resource, and the documents
            // past the budget follow in the next NOTIFYs; partial state leaves a resource whose document does not fit for
            // the next one altogether (at least one document always goes, so that a long backlog drains).
            int bytes = RlmiWriter.Overhead + (full ? resources.Sum(RlmiWriter.SizeOf) : 0);
            int carried = 0;
            var deferred = new List<int>();
            for (int i = 0; i < resources.Count; i++)
            {
                int cost = (full ? 0 : RlmiWriter.SizeOf(resources[i])) + (resources[i].Document is { } d ? d.Length + RlmiWriter.PartOverhead : 0);
                if (resources[i].Document is not null && (full || carried > 0) && bytes + cost > _options.MaxListNotifyBytes)
                {
                    deferred.Add(i);
                    continue;
                }
                bytes += cost;
                if (resources[i].Document is not null)
                    carried++;
            }
            if (deferred.Count > 0)
            {
                var later = _listLeftovers[s.Id] = new(StringComparer.OrdinalIgnoreCase);
                foreach (int i in deferred)
                {
                    later.Add(BackEndSubscription.KeyOf(s.WatcherAor, resources[i].Uri, s.Package));
                    resources[i] = resources[i] with { Document = null };
                }
                if (!full)
                    resources = [.. resources.Where(r => !later.Contains(BackEndSubscription.KeyOf(s.WatcherAor, r.Uri, s.Package)))];
            }
            // The version is the NOTIFY's CSeq less one: 0 first, one more per NOTIFY, above anything sent before a restart.
            long version = (_nextCSeq.TryGetValue(s.Id, out long n) ? n : 1) - 1;
            string uri = list.Uri ?? ResourceList.UriOf(Aor, list.Name);
            var (contentType, body) = RlmiWriter.Write(uri, list.DisplayName, version, full, resources, HostOf(Aor), bracketContentIds: !s.LegacyList);
            if (_listFetches.Contains(s.Id))
            {
                Notify(s, "terminated;reason=timeout", body, terminal: true, stored: false, contentType, uri);
                ForgetListSubscription(s);
                fetchEnded = true;
                continue;
            }
            Notify(s, $"active;expires={s.SecondsLeft(now)}", body, terminal: false, contentType: contentType, notifierUri: uri);
        }
        _listNeedsFull.Clear();
        _listOwedNotify.Clear();
        _changedMembers.Clear();
        // Only an ended fetch can leave back-ends unneeded here (a list NOTIFY changes no membership).
        if (fetchEnded)
            ReleaseBackEnds();
    }

    private RlmiResource ResourceOf(string key, ListEntry entry, string package)
    {
        string instance = _backEnds.TryGetValue(key, out var be) ? InstanceIdOf(be) : "none";
        string type = ContentTypeOf(package);
        // A member not heard from yet (its grain has not answered) is shown pending, as RFC 4662 §4.4 allows.
        if (!_memberStates.TryGetValue(key, out var state))
            return new RlmiResource(entry.Uri, entry.DisplayName, instance, "pending", null, null, type);
        return new RlmiResource(entry.Uri, entry.DisplayName, instance, state.State, state.Reason, state.State == "active" ? state.Document : null, type);
    }

    // Stable per back-end subscription (a new one after a refusal or an ending has a new id, as RFC 4662 §5.2 wants):
    // 8 characters of its random Call-ID after the "rls-".
    private static string InstanceIdOf(BackEndSubscription be) => be.CallId.Length >= 12 ? be.CallId[4..12] : be.CallId;

    private bool MaySubscribe(ResourceList list, string watcherAor) =>
        string.Equals(watcherAor, Aor, StringComparison.OrdinalIgnoreCase)
        || list.Subscribers.Contains(watcherAor, StringComparer.OrdinalIgnoreCase);

    // Makes sure each member of the list has a back-end subscription for this subscriber: new ones, refused ones asked
    // again, and live ones whose state is not known in memory (after a load) refreshed so their member says it again.
    private void EnsureBackEnds(Subscription subscription, ResourceList list, DateTimeOffset now)
    {
        IReadOnlyList<string> groups = subscription.WatcherGroups ?? [];
        // What already waits for the host (a list's entries are distinct, so what this loop adds is not met again).
        var queued = _backEndWork.Count == 0 ? null : _backEndWork.Select(w => w.BackEnd.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in list.Entries)
        {
            string key = BackEndSubscription.KeyOf(subscription.WatcherAor, entry.Uri, subscription.Package);
            if (!_backEnds.TryGetValue(key, out var be))
            {
                AddBackEnd(subscription.WatcherAor, entry.Uri, subscription.Package, groups, now);
                continue;
            }
            if (queued?.Contains(key) == true)
                continue;
            if (be.Rejected || be.NotifierTag is null)
            {
                // A new dialog at the member: its CSeq starts again, so what the last one said is forgotten. Tried
                // again at its due time if no answer comes (the member's silo died on the way).
                _memberStates.Remove(key);
                if (!be.Rejected)
                {
                    be = be with { ExpiresAt = now + BackEndRetry };
                    _backEnds[key] = be;
                    Changes.Upsert(PresentityItems.BackEndKind, key, PresentityItems.Serialize(be));
                }
                _backEndWork.Add(new BackEndWork(be, BackEndExpires, groups));
            }
            else if (!_memberStates.ContainsKey(key))
            {
                _backEndWork.Add(new BackEndWork(be, BackEndExpires, groups));
            }
        }
    }

    private void AddBackEnd(string subscriber, string member, string package, IReadOnlyList<string> groups, DateTimeOffset now)
    {
        var be = new BackEndSubscription(subscriber, member, "rls-" + NewTag() + NewTag(), NewTag(), null, now + BackEndRetry, Package: package);
        _backEnds[be.Key] = be;
        _backEndsByCallId[be.CallId] = be.Key;
        _memberStates.Remove(be.Key);
        Changes.Upsert(PresentityItems.BackEndKind, be.Key, PresentityItems.Serialize(be));
        _backEndWork.Add(new BackEndWork(be, BackEndExpires, groups));
    }

    private void RemoveBackEnd(BackEndSubscription be)
    {
        _backEnds.Remove(be.Key);
        _backEndsByCallId.Remove(be.CallId);
        _memberStates.Remove(be.Key);
        Changes.Delete(PresentityItems.BackEndKind, be.Key);
    }

    // The groups of a live list subscription of the subscriber to the package that names the member; null when none does.
    private IReadOnlyList<string>? NeededBy(string subscriber, string member, string package)
    {
        foreach (var s in _listSubscriptions.Values)
        {
            if (string.Equals(s.WatcherAor, subscriber, StringComparison.OrdinalIgnoreCase) && s.Package == package
                && _lists.TryGetValue(s.List!, out var list)
                && list.Entries.Any(e => string.Equals(e.Uri, member, StringComparison.OrdinalIgnoreCase)))
                return s.WatcherGroups ?? [];
        }
        return null;
    }

    // Back-end subscriptions no list subscription needs any more are ended (an unsubscribe to their member).
    private void ReleaseBackEnds()
    {
        if (_backEnds.Count == 0)
            return;
        var needed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in _listSubscriptions.Values)
        {
            if (_lists.TryGetValue(s.List!, out var list))
            {
                foreach (var entry in list.Entries)
                    needed.Add(BackEndSubscription.KeyOf(s.WatcherAor, entry.Uri, s.Package));
            }
        }
        foreach (var be in _backEnds.Values.Where(b => !needed.Contains(b.Key)).ToList())
        {
            RemoveBackEnd(be);
            _backEndWork.RemoveAll(w => w.BackEnd.Key == be.Key);
            if (be.NotifierTag is not null)
                _backEndWork.Add(new BackEndWork(be, 0, []));
        }
    }

    private void TerminateList(Subscription subscription, string reason)
    {
        string? uri = _lists.TryGetValue(subscription.List!, out var list) ? list.Uri ?? ResourceList.UriOf(Aor, list.Name)
            : subscription.List!.StartsWith(ResourceList.ContainedPrefix) ? null : ResourceList.UriOf(Aor, subscription.List);
        Notify(subscription, "terminated;reason=" + reason, [], terminal: true, stored: false, notifierUri: uri);
        ForgetListSubscription(subscription);
    }

    // Every trace of a list subscription that has ended, once its last NOTIFY (if any) is made: what it was owed, its
    // CSeq, its row (a fetch has none), and the list it carried in its SUBSCRIBE.
    private void ForgetListSubscription(Subscription subscription)
    {
        _listSubscriptions.Remove(subscription.Id);
        _listNeedsFull.Remove(subscription.Id);
        _listOwedNotify.Remove(subscription.Id);
        _listLeftovers.Remove(subscription.Id);
        _nextCSeq.Remove(subscription.Id);
        if (!_listFetches.Remove(subscription.Id))
            Changes.Delete(PresentityItems.SubscriptionKind, subscription.Id);
        DropContainedList(subscription);
    }

    // A list carried in a SUBSCRIBE lives as long as its subscription.
    private void DropContainedList(Subscription subscription)
    {
        if (subscription.List is { } name && name.StartsWith(ResourceList.ContainedPrefix) && _lists.Remove(name))
            Changes.Delete(PresentityItems.ListKind, name);
    }

    // List subscriptions that ran out end (RFC 6665 §4.2.2), and back-end subscriptions near their end are refreshed.
    private void ExpireLists(DateTimeOffset now)
    {
        // Every turn passes here: a user that serves no list pays nothing.
        if (_listSubscriptions.Count == 0 && _backEnds.Count == 0)
            return;
        bool ended = false;
        foreach (var s in _listSubscriptions.Values.Where(s => !s.IsLive(now) && !_listFetches.Contains(s.Id)).ToList())
        {
            TerminateList(s, "timeout");
            ended = true;
        }
        if (ended)
            ReleaseBackEnds();
        foreach (var be in _backEnds.Values)
        {
            if (!be.Rejected && BackEndDueAt(be) <= now && !_backEndWork.Any(w => w.BackEnd.Key == be.Key))
                _backEndWork.Add(new BackEndWork(be, BackEndExpires, NeededBy(be.Subscriber, be.Member, be.Package) ?? []));
        }
    }

    private static DateTimeOffset BackEndDueAt(BackEndSubscription be) =>
        be.Rejected || be.ExpiresAt == DateTimeOffset.MaxValue ? DateTimeOffset.MaxValue
        : be.NotifierTag is null ? be.ExpiresAt
        : be.ExpiresAt - BackEndRefreshMargin;

    private DateTimeOffset? NextListDueAt()
    {
        DateTimeOffset? next = null;
        foreach (var s in _listSubscriptions.Values)
            next = Min(next, s.ExpiresAt);
        foreach (var be in _backEnds.Values)
        {
            var due = BackEndDueAt(be);
            if (due != DateTimeOffset.MaxValue)
                next = Min(next, due);
        }
        return next;
    }

    // After a load: every list subscription is owed the full state, which the members say again when refreshed.
    private void LoadLists(DateTimeOffset now)
    {
        foreach (var be in _backEnds.Values)
            _backEndsByCallId[be.CallId] = be.Key;
        foreach (var s in _listSubscriptions.Values)
        {
            _listNeedsFull.Add(s.Id);
            if (_lists.TryGetValue(s.List!, out var list))
                EnsureBackEnds(s, list, now);
        }
        ReleaseBackEnds();
    }

    private static string? ParameterOf(string header, string name)
    {
        foreach (string part in header.Split(';').Skip(1))
        {
            string[] kv = part.Split('=', 2);
            if (kv.Length == 2 && kv[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                return kv[1].Trim().Trim('"');
        }
        return null;
    }

    private static string HostOf(string aor)
    {
        int at = aor.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? "localhost" : aor[(at + 1)..];
    }
}
