namespace Presence.Cluster.Membership;

/// <summary>What the agent counts for telemetry: ring versions it put in force and the partitions that moved here or away.</summary>
public sealed partial class MembershipAgent
{
    private long _viewsApplied, _partitionsGained, _partitionsLost;

    /// <summary>New ring versions this process put in force (each a membership change: a join, a leave, a death).</summary>
    public long ViewsApplied => Interlocked.Read(ref _viewsApplied);

    /// <summary>Partitions this silo took over, over its life.</summary>
    public long PartitionsGained => Interlocked.Read(ref _partitionsGained);

    /// <summary>Partitions this silo let go of, over its life.</summary>
    public long PartitionsLost => Interlocked.Read(ref _partitionsLost);

    private void CountView(int gained, int lost)
    {
        Interlocked.Increment(ref _viewsApplied);
        Interlocked.Add(ref _partitionsGained, gained);
        Interlocked.Add(ref _partitionsLost, lost);
    }
}
