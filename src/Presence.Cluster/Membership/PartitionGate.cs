namespace Presence.Cluster.Membership;

/// <summary>
/// A partition this silo has just gained from a silo that is still alive: grains of it wait here until
/// that silo says it has let go (its drained version reaches <see cref="Version"/>), stops being live, or
/// the handover times out.
/// </summary>
internal sealed class PartitionGate(ClusterMember previousOwner, long version, long deadline)
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClusterMember PreviousOwner { get; } = previousOwner;

    public long Version { get; } = version;

    /// <summary>A <see cref="TimeProvider.GetTimestamp"/> value after which the gate opens anyway.</summary>
    public long Deadline { get; } = deadline;

    public bool IsOpen => _open.Task.IsCompleted;

    public Task Opened => _open.Task;

    public void Open() => _open.TrySetResult();
}

/// <summary>What this member serves under one ring version; replaced whole, never changed in place (gates open in place).</summary>
internal sealed class OwnershipState(ClusterRing ring, bool[] owned, PartitionGate?[] gates, bool initial = false)
{
    public ClusterRing Ring { get; } = ring;

    public bool[] Owned { get; } = owned;

    public PartitionGate?[] Gates { get; } = gates;

    /// <summary>Before the first view after a join: every partition counts as newly gained.</summary>
    public bool Initial { get; } = initial;

    public static OwnershipState Empty(int partitions) =>
        new(new ClusterRing(new MembershipSnapshot(0, DateTimeOffset.MinValue, []), partitions), new bool[partitions], new PartitionGate?[partitions], initial: true);
}
