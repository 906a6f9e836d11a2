using Presence.LoadGen.Sip;

namespace Presence.LoadGen.Measure;

/// <summary>
/// One change the load generator caused (a PUBLISH, a REGISTER, or in the subscription storm a SUBSCRIBE) and the
/// NOTIFYs it owes: one per watcher that was active when it was sent.
/// </summary>
internal sealed class Change
{
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;

    public Change(long seq, SimUser presentity, int group, int expected, long startedAt)
    {
        Seq = seq;
        Presentity = presentity;
        Group = group;
        Expected = expected;
        StartedAt = startedAt;
        if (expected == 0)
            _completed.TrySetResult();
    }

    /// <summary>The marker the change puts in the document (see <see cref="Documents.ChangeMarker"/>).</summary>
    public long Seq { get; }

    public SimUser Presentity { get; }

    /// <summary>Which latency group it counts in (fan-out: the watcher count).</summary>
    public int Group { get; }

    public int Expected { get; }

    /// <summary>Stopwatch time just before the request was sent.</summary>
    public long StartedAt { get; }

    public int Received => Volatile.Read(ref _received);

    /// <summary>Completes when the last expected NOTIFY arrived (or at once when none is expected).</summary>
    public Task Completion => _completed.Task;

    /// <summary>Counts one NOTIFY; true for the one that completes the change.</summary>
    public bool OnNotify()
    {
        bool last = Interlocked.Increment(ref _received) == Expected;
        if (last)
            _completed.TrySetResult();
        return last;
    }

    /// <summary>The request failed: nothing more is owed; whoever waits is let go.</summary>
    public void Cancel() => _completed.TrySetResult();
}
