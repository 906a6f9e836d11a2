namespace Presence.Cluster.Membership;

/// <summary>
/// Timings of membership. With the defaults a killed silo's lease runs out within 3 s of its last
/// renewal, a probe notices within 0.5 s more, and the others serve its users at once after that:
/// under 5 s from the kill (Orleans' defaults take about 15 s, Cisco IM&amp;P about 90 s).
/// </summary>
public sealed record MembershipOptions
{
    /// <summary>Names the cluster in the tables; several clusters may share one database.</summary>
    public string ClusterId { get; init; } = "presence";

    /// <summary>How long a renewal keeps a member alive, by the database's clock (default 3 s).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How often a member renews its lease (default 0.75 s: three chances before it would fence itself).</summary>
    public TimeSpan RenewInterval { get; init; } = TimeSpan.FromMilliseconds(750);

    /// <summary>
    /// A silo stops serving this long before its lease would run out if it could not renew, measured from
    /// when it sent its last successful renewal (default 0.5 s), so that it has stopped before anyone can
    /// declare it dead and take its users.
    /// </summary>
    public TimeSpan FenceMargin { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often members re-read the table and look for expired leases when no notification came (default 0.5 s).</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest a silo waits for a live previous owner to hand a partition over (default 5 s).</summary>
    public TimeSpan HandoverTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Dead and left rows are deleted after this long (default 1 hour).</summary>
    public TimeSpan DeadMemberRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Partitions of the key space; must equal the grain runtime's (default 4096).</summary>
    public int Partitions { get; init; } = 4096;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ClusterId))
            throw new ArgumentException("Cluster:ClusterId is empty.");
        if (RenewInterval <= TimeSpan.Zero || ProbeInterval <= TimeSpan.Zero || HandoverTimeout <= TimeSpan.Zero)
            throw new ArgumentException("Cluster:RenewInterval, ProbeInterval and HandoverTimeout must be positive.");
        if (LeaseDuration <= RenewInterval * 2 + FenceMargin)
            throw new ArgumentException("Cluster:LeaseDuration must exceed two RenewIntervals plus the FenceMargin, or one late renewal fences a healthy silo.");
        if (FenceMargin < TimeSpan.Zero)
            throw new ArgumentException("Cluster:FenceMargin must not be negative.");
        if (Partitions < 1)
            throw new ArgumentException("Cluster:Partitions must be at least 1.");
    }
}
