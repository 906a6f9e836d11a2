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

        byte[] document = PidfWriter.Write(ToDocument(Composite(now)));
        foreach (var s in _subscriptions.Values.Where(s => !s.IsWatcherInfo).ToList())
        {
            WatcherAction decision = _options.Watchers.Decide(Aor, s.WatcherAor, _rules);
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
            WatcherChanged(changed, changed.State == SubscriptionState.Pending ? "pending" : "active",
                changed.State == SubscriptionState.Pending ? "subscribe" : "approved", now);
        }
        return new PresenceOutcome(200);
    }
}
