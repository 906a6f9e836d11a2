namespace Presence.Cluster.Runtime;

/// <summary>
/// A worker's due times: a priority queue of (grain, due time) and one timer armed for the earliest,
/// instead of a timer per grain. An entry goes stale when its grain re-arms for another time or is
/// deactivated; stale entries are dropped when they reach the head, or all at once when they pile up.
/// Used only from the worker loop.
/// </summary>
internal sealed class DueSchedule<TGrain> : IDisposable where TGrain : IGrain
{
    // A timer that fires a hair before its entry's time (clock granularity) re-arms at least this far on,
    // so it does not spin through the last fraction of a millisecond.
    private static readonly TimeSpan MinimumDelay = TimeSpan.FromMilliseconds(1);

    private readonly PriorityQueue<Entry, DateTimeOffset> _queue = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _slack;
    private readonly Action _fired;
    private readonly ITimer _timer;
    private DateTimeOffset? _armedFor;

    /// <param name="fired">Called when the earliest due time has come (from a timer thread, or at once).</param>
    public DueSchedule(TimeProvider time, TimeSpan slack, Action fired)
    {
        _time = time;
        _slack = slack;
        _fired = fired;
        _timer = time.CreateTimer(static state => ((Action)state!)(), fired, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public int Count => _queue.Count;

    /// <summary>Arms the grain's timer for <paramref name="dueAt"/>, replacing any earlier entry of it.</summary>
    public void Schedule(GrainSlot<TGrain> slot, DateTimeOffset dueAt, int liveSlots)
    {
        slot.ScheduledDueAt = dueAt;
        _queue.Enqueue(new Entry(slot, slot.Generation, dueAt), dueAt);
        // Refreshes leave one stale entry each until its time passes; with long expiries that is a lot
        // of dead weight, so rebuild once stale entries clearly outnumber live ones.
        if (_queue.Count > (2 * liveSlots) + 1024)
        {
            Compact();
        }

        Arm(dueAt);
    }

    /// <summary>Removes and returns the grains due at <paramref name="now"/>, then re-arms for the next.</summary>
    public void TakeDue(DateTimeOffset now, List<GrainSlot<TGrain>> due)
    {
        // The timer is one-shot: whatever fired it is spent.
        _armedFor = null;
        while (_queue.TryPeek(out var entry, out var at) && at <= now)
        {
            _queue.Dequeue();
            if (IsCurrent(entry))
            {
                entry.Slot.ScheduledDueAt = null;
                due.Add(entry.Slot);
            }
        }

        while (_queue.TryPeek(out var head, out var next))
        {
            if (IsCurrent(head))
            {
                Arm(next);
                break;
            }

            _queue.Dequeue();
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Arm(DateTimeOffset dueAt)
    {
        // A timer armed at or before dueAt fires first and re-arms for this entry then; one armed a
        // little after it serves it within the allowed slack. Either way, leave the timer alone.
        if (_armedFor is { } armed && armed <= dueAt + _slack)
        {
            return;
        }

        _armedFor = dueAt;
        var delay = dueAt - _time.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            // Already due (an overdue grain just activated, say): no timer needed to say so.
            _fired();
            return;
        }

        _timer.Change(delay < MinimumDelay ? MinimumDelay : delay, Timeout.InfiniteTimeSpan);
    }

    private void Compact()
    {
        var live = new List<(Entry, DateTimeOffset)>();
        foreach (var (entry, at) in _queue.UnorderedItems)
        {
            if (IsCurrent(entry))
            {
                live.Add((entry, at));
            }
        }

        _queue.Clear();
        _queue.EnqueueRange(live);
    }

    private static bool IsCurrent(Entry entry) =>
        entry.Slot.IsActive && entry.Slot.Generation == entry.Generation && entry.Slot.ScheduledDueAt == entry.DueAt;

    private readonly record struct Entry(GrainSlot<TGrain> Slot, int Generation, DateTimeOffset DueAt);
}
