namespace Presence.Cluster.Runtime;

internal enum WorkerMessageKind
{
    /// <summary>A new turn for <see cref="WorkerMessage.Key"/>; the payload is the turn.</summary>
    Turn,

    /// <summary>A continuation of code running on this worker (an await resuming); payload and state are the callback's.</summary>
    Continuation,

    /// <summary>Run the next queued turn of the grain slot in the payload.</summary>
    Resume,

    /// <summary>The due timer fired.</summary>
    DueTimer,

    /// <summary>Time to look for idle grains.</summary>
    IdleSweep,

    /// <summary>Deactivate the idle grains of lost partitions; the payload is a <see cref="ReleaseRequest"/>.</summary>
    Release,

    /// <summary>The reminder poller found <see cref="WorkerMessage.Key"/> due; activate it if it is not active.</summary>
    Wake,
}

/// <summary>
/// Everything a worker does arrives as one of these through its one channel, so its loop is the only
/// code that touches its grains' bookkeeping. A struct, so continuations cost no allocation.
/// </summary>
internal readonly record struct WorkerMessage(WorkerMessageKind Kind, string? Key = null, object? Payload = null, object? State = null);

/// <summary>One worker's part of <see cref="GrainRuntime{TGrain}.ReleaseAsync"/>: answers how many grains of lost partitions it still holds.</summary>
internal sealed class ReleaseRequest(Func<int, bool> lost, int partitions) : TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public bool IsLost(string key) => lost(PartitionHash.PartitionOf(key, partitions));
}
