namespace Presence.Cluster.Runtime;

/// <summary>
/// Which partitions this process may serve, for a runtime that is one silo of a cluster. A single
/// process has none (it owns everything). The runtime asks before it activates a grain, so a grain is
/// never active on two silos that both believe they own it for longer than a handover takes, and a
/// write from a silo that did not let go in time is refused by its version anyway.
/// </summary>
public interface IPartitionOwnership
{
    /// <summary>This process owns the partition in the membership view it holds and its lease is valid.</summary>
    bool Owns(int partition);

    /// <summary>
    /// Completes when this process may activate grains of the partition: it owns it and the previous owner
    /// has handed it over (or is dead, or the handover timed out). Throws <see cref="PartitionNotOwnedException"/>
    /// when this process does not own it.
    /// </summary>
    ValueTask WaitServableAsync(int partition, CancellationToken ct);
}

/// <summary>A turn reached a silo that does not own its grain (the ring moved, or the silo is fenced).</summary>
public sealed class PartitionNotOwnedException(int partition)
    : InvalidOperationException($"Partition {partition} is not owned by this silo now.")
{
    public int Partition { get; } = partition;
}

/// <summary>What membership asks of the grain runtimes when this silo loses partitions.</summary>
public interface IPartitionReleaser
{
    /// <summary>
    /// Lets go of every grain of the partitions <paramref name="lost"/> names: their queued turns finish,
    /// they deactivate, and their writes are durable when the task completes.
    /// </summary>
    Task ReleaseAsync(Func<int, bool> lost, CancellationToken ct);
}
