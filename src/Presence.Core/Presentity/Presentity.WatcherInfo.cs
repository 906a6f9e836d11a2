using Presence.Core.Documents;
using Presence.Core.Model;

namespace Presence.Core.Presentity;

public sealed partial class Presentity
{
    // Watcher-information subscriptions whose next NOTIFY must carry the full list (new, refreshed, or reloaded).
    private readonly HashSet<string> _watcherInfoNeedsFull = new(StringComparer.Ordinal);

    /// <summary>
    /// A presence watcher came, changed or went: every watcher-information subscriber hears of it (RFC 3857 §5.2),
    /// as a partial document with that one watcher, or the full list when its last one may be out of step.
    /// </summary>
    private void WatcherChanged(Subscription watcher, string status, string @event, DateTimeOffset now)
    {
        foreach (var s in _subscriptions.Values.Where(s => s.IsWatcherInfo && s.State == SubscriptionState.Active).ToList())
        {
            long version = _nextCSeq.TryGetValue(s.Id, out long n) ? n : 1;
            byte[] body = _watcherInfoNeedsFull.Remove(s.Id)
                ? WatcherInfoWriter.Write(Aor, version, full: true, CurrentWatchers())
                : WatcherInfoWriter.Write(Aor, version, full: false, [new WatcherEntry(watcher.Id, watcher.WatcherUri, status, @event)]);
            Notify(s, $"active;expires={s.SecondsLeft(now)}", body, terminal: false);
        }
    }

    /// <summary>The full watcher list for a watcher-information subscription; its version is the NOTIFY's CSeq, which
    /// rises by one per NOTIFY in the dialog and keeps rising across restarts (RFC 3858 §4.2).</summary>
    private byte[] WatcherInfoFull(Subscription subscription)
    {
        _watcherInfoNeedsFull.Remove(subscription.Id);
        long version = _nextCSeq.TryGetValue(subscription.Id, out long n) ? n : 1;
        return WatcherInfoWriter.Write(Aor, version, full: true, CurrentWatchers());
    }

    private IEnumerable<WatcherEntry> CurrentWatchers() => _subscriptions.Values
        .Where(s => s.IsPresence)
        .OrderBy(s => s.WatcherAor, StringComparer.Ordinal)
        .Select(s => new WatcherEntry(
            s.Id, s.WatcherUri, s.State == SubscriptionState.Pending ? "pending" : "active",
            s.State == SubscriptionState.Pending ? "subscribe" : s.Decision == WatcherAction.Allow ? "approved" : "subscribe"));
}
