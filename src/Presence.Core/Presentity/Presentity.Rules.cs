using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Core.Persistence;

namespace Presence.Core.Presentity;

public sealed partial class Presentity
{
    /// <summary>The user's own watcher rules, by watcher AOR or "@domain".</summary>
    public IReadOnlyDictionary<string, WatcherAction> Rules => _rules;

    /// <summary>
    /// Sets (or, with null, removes) the user's rule for a watcher or a domain, and applies it to the subscriptions
    /// that exist at once: a newly allowed watcher gets the full document, a politely blocked one sees closed, a
    /// blocked one is terminated with reason=rejected (RFC 6665 §4.2.2), a confirm rule makes it pending again.
    /// </summary>
    public PresenceOutcome SetRule(string watcher, WatcherAction? action, DateTimeOffset now)
    {
        if (action is { } a)
            _rules[watcher] = a;
        else
            _rules.Remove(watcher);
        Changes.Upsert(PresentityItems.RulesKind, string.Empty,
            PresentityItems.Serialize(_rules.Select(r => new WatcherRule(r.Key, r.Value)).OrderBy(r => r.Watcher, StringComparer.Ordinal).ToList()));
        Reconsider(now);
        return new PresenceOutcome(200);
    }

    /// <summary>The groups this user belongs to (from its account), for the central group rules.</summary>
    public IReadOnlyList<string> Groups => _groups;

    /// <summary>The user's groups changed (the operator moved it): existing watchers are decided again.</summary>
    public PresenceOutcome SetGroups(IReadOnlyList<string> groups, DateTimeOffset now)
    {
        _groups = groups.ToList();
        Changes.Upsert(PresentityItems.GroupsKind, string.Empty, PresentityItems.Serialize(_groups));
        Reconsider(now);
        return new PresenceOutcome(200);
    }

    // Applies the current rules to every existing presence and dialog subscription (the same rules decide both).
    private void Reconsider(DateTimeOffset now)
    {
        byte[] document = PidfWriter.Write(ToDocument(Composite(now)));
        foreach (var s in _subscriptions.Values.Where(s => !s.IsWatcherInfo).ToList())
        {
            WatcherAction decision = _options.Watchers.Decide(Aor, s.WatcherAor, _rules, s.WatcherGroups, _groups);
            if (decision == s.Decision)
                continue;
            if (decision == WatcherAction.Block)
            {
                Terminate(s, "rejected", now);
                continue;
            }
            var changed = s with
            {
                Decision = decision,
                State = decision == WatcherAction.Confirm ? SubscriptionState.Pending : SubscriptionState.Active,
            };
            _subscriptions[s.Id] = changed;
            Changes.Upsert(PresentityItems.SubscriptionKind, changed.Id, PresentityItems.Serialize(changed));
            NotifyState(changed, changed.SecondsLeft(now), document);
            if (changed.IsPresence)
                WatcherChanged(changed, changed.State == SubscriptionState.Pending ? "pending" : "active",
                    changed.State == SubscriptionState.Pending ? "subscribe" : "approved", now);
        }
    }
}
