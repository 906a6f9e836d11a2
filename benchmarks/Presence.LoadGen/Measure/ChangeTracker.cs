using System.Collections.Concurrent;
using System.Diagnostics;
using Presence.LoadGen.Documents;
using Presence.LoadGen.Sip;
using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.LoadGen.Measure;

/// <summary>
/// Matches every NOTIFY the watchers receive to the change that caused it: the dialog (Call-ID) says which watcher
/// and presentity it is, the marker in the body says which change. Changes stay here until their last NOTIFY came;
/// what is left at the end is what never arrived.
/// </summary>
internal sealed class ChangeTracker : INotifySink
{
    private readonly ConcurrentDictionary<string, WatcherSubscription> _dialogs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, Change> _open = new();
    private long _nextSeq;
    private long _retransmissions;
    private long _received, _firstNotifies, _unattributed, _misrouted, _duplicates, _outOfOrder, _surplus, _terminated, _strays;
    private long _firstMatchedAt, _lastMatchedAt;

    public ChangeTracker(IReadOnlyList<string> groups)
    {
        Groups = groups.Select(g => new GroupMeasure(g)).ToArray();
    }

    /// <summary>The latency groups; <see cref="Overall"/> sums them.</summary>
    public IReadOnlyList<GroupMeasure> Groups { get; }

    public GroupMeasure Overall { get; } = new("all");

    /// <summary>Setup subscriptions: SUBSCRIBE sent → first NOTIFY.</summary>
    public LatencyHistogram SetupFirstNotify { get; } = new();

    public long NotifiesReceived => Interlocked.Read(ref _received);

    /// <summary>NOTIFYs received again with a CSeq their dialog had (the server's timer E): answered, not counted as NOTIFYs.</summary>
    public long Retransmissions => Interlocked.Read(ref _retransmissions);

    /// <summary>First NOTIFYs of dialogs (the current state, not a change of it).</summary>
    public long FirstNotifies => Interlocked.Read(ref _firstNotifies);

    /// <summary>NOTIFYs after the first with no marker of a known change: nothing this run did explains them.</summary>
    public long Unattributed => Interlocked.Read(ref _unattributed);

    /// <summary>NOTIFYs whose marker names another presentity's change.</summary>
    public long Misrouted => Interlocked.Read(ref _misrouted);

    /// <summary>A second NOTIFY in one dialog for the same change.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>NOTIFYs that came after a newer change's NOTIFY in the same dialog (still counted as delivered).</summary>
    public long OutOfOrder => Interlocked.Read(ref _outOfOrder);

    /// <summary>NOTIFYs for changes that were already complete (a watcher whose SUBSCRIBE had failed here but not there).</summary>
    public long Surplus => Interlocked.Read(ref _surplus);

    /// <summary>NOTIFYs that ended a subscription (Subscription-State: terminated).</summary>
    public long Terminated => Interlocked.Read(ref _terminated);

    /// <summary>NOTIFYs for dialogs this run does not know (an earlier run's, on a reused port): answered 481.</summary>
    public long Strays => Interlocked.Read(ref _strays);

    /// <summary>NOTIFYs still owed by the changes in flight; after the drain, the missing ones.</summary>
    public long Outstanding => OutstandingIn(null);

    /// <summary><see cref="Outstanding"/> for one group, or all when null.</summary>
    public long OutstandingIn(int? group) =>
        _open.Values.Where(c => group is null || c.Group == group).Sum(c => (long)Math.Max(0, c.Expected - c.Received));

    public int OpenChanges => _open.Count;

    /// <summary>Stopwatch times of the first and last matched NOTIFY (0 before any).</summary>
    public (long First, long Last) MatchedSpan => (Interlocked.Read(ref _firstMatchedAt), Interlocked.Read(ref _lastMatchedAt));

    /// <summary>
    /// Stopwatch time from which changes count in the latency figures (the end of the warm-up); earlier ones are
    /// still delivered, matched and checked.
    /// </summary>
    public long RecordFrom { get; set; }

    public void Track(WatcherSubscription subscription) => _dialogs[subscription.CallId] = subscription;

    /// <summary>
    /// Finds dialogs that are not tracked one by one (a seeded run's millions, told by their Call-ID's shape), so
    /// that the load generator holds no string and no table entry per dialog.
    /// </summary>
    public Func<string, WatcherSubscription?>? Resolve { get; set; }

    /// <summary>Starts a change of <paramref name="presentity"/>; it owes one NOTIFY per active watcher (or <paramref name="expected"/>).</summary>
    public Change Begin(SimUser presentity, int group, int? expected = null)
    {
        int owed = expected ?? presentity.ActiveWatchers;
        var change = new Change(Interlocked.Increment(ref _nextSeq), presentity, group, owed, Stopwatch.GetTimestamp());
        Groups[group].OnBegin(owed);
        Overall.OnBegin(owed);
        if (owed > 0)
            _open[change.Seq] = change;
        return change;
    }

    /// <summary>The change's request failed: it owes nothing.</summary>
    public void Abandon(Change change)
    {
        if (_open.TryRemove(change.Seq, out _))
        {
            int owed = change.Expected - change.Received;
            Groups[change.Group].OnAbandon(owed);
            Overall.OnAbandon(owed);
        }
        change.Cancel();
    }

    public int OnNotify(SipMessage notify, long receivedAt)
    {
        WatcherSubscription? subscription = _dialogs.TryGetValue(notify.CallId, out var tracked) ? tracked : Resolve?.Invoke(notify.CallId);
        if (subscription is null)
        {
            // RFC 6665 §4.1.3: a NOTIFY that matches no subscription is answered 481.
            Interlocked.Increment(ref _received);
            Interlocked.Increment(ref _strays);
            return 481;
        }
        bool hasMarker = ChangeMarker.TryFindLatest(notify.Body.Span, out long seq);
        bool first;
        lock (subscription.Gate)
        {
            // A retransmission gets the answer the original got; only the original counts.
            if (subscription.SeenCSeq(notify.CSeq))
            {
                Interlocked.Increment(ref _retransmissions);
                return 200;
            }
            Interlocked.Increment(ref _received);
            first = !subscription.HasFirstNotify;
            subscription.HasFirstNotify = true;
            if (notify.GetSubscriptionState() is { IsTerminated: true } && !subscription.Terminated)
            {
                subscription.Terminated = true;
                Interlocked.Increment(ref _terminated);
                if (!first)
                    subscription.Presentity.RemoveWatcher();
            }
            if (!first && hasMarker && seq <= subscription.LastSeq)
            {
                Interlocked.Increment(ref seq == subscription.LastSeq ? ref _duplicates : ref _outOfOrder);
                if (seq == subscription.LastSeq)
                    return 200;
            }
            if (hasMarker && seq > subscription.LastSeq)
                subscription.LastSeq = seq;
        }
        if (first)
        {
            OnFirstNotify(subscription, receivedAt);
            return 200;
        }
        if (!hasMarker)
        {
            if (!subscription.Terminated)
                Interlocked.Increment(ref _unattributed);
            return 200;
        }
        if (!_open.TryGetValue(seq, out var change))
        {
            Interlocked.Increment(ref _surplus);
            return 200;
        }
        if (!ReferenceEquals(change.Presentity, subscription.Presentity))
        {
            Interlocked.Increment(ref _misrouted);
            return 200;
        }
        Matched(change, receivedAt);
        return 200;
    }

    private void OnFirstNotify(WatcherSubscription subscription, long receivedAt)
    {
        Interlocked.Increment(ref _firstNotifies);
        subscription.OnFirstNotify();
        if (subscription.InitialChange is { } change)
            Matched(change, receivedAt);
        else
            SetupFirstNotify.RecordTicks(subscription.SentAt, receivedAt);
    }

    private void Matched(Change change, long receivedAt)
    {
        bool record = change.StartedAt >= RecordFrom;
        Groups[change.Group].OnMatched(change.StartedAt, receivedAt, record);
        Overall.OnMatched(change.StartedAt, receivedAt, record);
        Interlocked.CompareExchange(ref _firstMatchedAt, receivedAt, 0);
        long last;
        while (receivedAt > (last = Interlocked.Read(ref _lastMatchedAt)) && Interlocked.CompareExchange(ref _lastMatchedAt, receivedAt, last) != last)
        {
        }
        if (change.OnNotify())
        {
            _open.TryRemove(change.Seq, out _);
            if (!record)
                return;
            Groups[change.Group].ChangeToLastNotify.RecordTicks(change.StartedAt, receivedAt);
            Overall.ChangeToLastNotify.RecordTicks(change.StartedAt, receivedAt);
        }
    }
}
