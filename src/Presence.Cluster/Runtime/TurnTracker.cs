namespace Presence.Cluster.Runtime;

/// <summary>
/// Counts turns queued or running across all workers, so a stop knows when every turn has finished.
/// Once stopping, only turns started from inside a turn are admitted (a grain calling another must
/// not fail mid-drain); those cannot outlive the drain, which waits for their caller anyway.
/// </summary>
internal sealed class TurnTracker
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _outstanding;
    private int _stopping;

    public bool IsStopping => Volatile.Read(ref _stopping) != 0;

    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>Counts a turn in; false (not counted) if the runtime is stopping and the turn comes from outside.</summary>
    public bool TryBegin(bool fromInsideTurn)
    {
        // Count first, then look at the flag; BeginStop sets the flag, then looks at the count. Both are
        // full fences, so at least one side sees the other: a turn is never admitted behind a finished drain.
        Interlocked.Increment(ref _outstanding);
        if (IsStopping && !fromInsideTurn)
        {
            End();
            return false;
        }

        return true;
    }

    public void End()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0 && IsStopping)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Stops admitting outside turns; the task completes when none is left.</summary>
    public Task BeginStop()
    {
        Interlocked.Exchange(ref _stopping, 1);
        if (Interlocked.Read(ref _outstanding) == 0)
        {
            _drained.TrySetResult();
        }

        return _drained.Task;
    }
}
