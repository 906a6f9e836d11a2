namespace Presence.Cluster.Membership;

/// <summary>A row's life: active (serving), leaving (handing over), then left; or dead when its lease ran out.</summary>
public enum MemberStatus
{
    Active,
    Leaving,
    Left,
    Dead,
}

/// <summary>Silos own partitions of users; edges only route to them.</summary>
public enum MemberRole
{
    Silo,
    Edge,
}

/// <summary>
/// One incarnation of a silo or edge in the membership table. <see cref="SiloId"/> is the stable name
/// (rendezvous hashing uses it, so a restarted silo gets its partitions back); <see cref="Incarnation"/>
/// tells a restart from the process before it.
/// </summary>
public sealed record ClusterMember(
    string SiloId,
    long Incarnation,
    MemberRole Role,
    MemberStatus Status,
    string SipAddress,
    string HttpAddress,
    DateTimeOffset LeaseExpires,
    DateTimeOffset JoinedAt,
    DateTimeOffset UpdatedAt,
    long DrainedVersion)
{
    /// <summary>Still holding (or handing over) what it owned: its lease is being renewed, or should be.</summary>
    public bool IsLive => Status is MemberStatus.Active or MemberStatus.Leaving;

    public bool SameIncarnation(ClusterMember other) =>
        other.SiloId == SiloId && other.Incarnation == Incarnation;

    internal static string Text(MemberStatus status) => status switch
    {
        MemberStatus.Active => "active",
        MemberStatus.Leaving => "leaving",
        MemberStatus.Left => "left",
        _ => "dead",
    };

    internal static MemberStatus ParseStatus(string text) => text switch
    {
        "active" => MemberStatus.Active,
        "leaving" => MemberStatus.Leaving,
        "left" => MemberStatus.Left,
        _ => MemberStatus.Dead,
    };

    internal static string Text(MemberRole role) => role == MemberRole.Silo ? "silo" : "edge";

    internal static MemberRole ParseRole(string text) => text == "silo" ? MemberRole.Silo : MemberRole.Edge;
}

/// <summary>The table as one consistent read: the cluster's version, the database's clock, every row.</summary>
public sealed record MembershipSnapshot(long Version, DateTimeOffset DatabaseNow, IReadOnlyList<ClusterMember> Members)
{
    public ClusterMember? Find(string siloId, long incarnation) =>
        Members.FirstOrDefault(m => m.SiloId == siloId && m.Incarnation == incarnation);
}
