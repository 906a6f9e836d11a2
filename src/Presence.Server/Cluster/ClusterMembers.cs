using System.Net;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Presence.Server.Edge;

namespace Presence.Server.Cluster;

/// <summary>One member of the cluster as Orleans' membership and the silo's metadata describe it.</summary>
public sealed record ClusterMemberView(SiloAddress Address, string Name, SiloStatus Status, ClusterRole? Role, string? HttpAddress, bool Self)
{
    public bool IsActive => Status == SiloStatus.Active;

    /// <summary>Holds SIP flows (an edge, or a silo that speaks SIP too); unknown until its metadata has been read.</summary>
    public bool SpeaksSip => Role is ClusterRole.Both or ClusterRole.Edge;

    public bool HostsUsers => Role is ClusterRole.Both or ClusterRole.Silo;

    public string StatusName => Status switch
    {
        SiloStatus.Active => "active",
        SiloStatus.Joining or SiloStatus.Created => "joining",
        SiloStatus.ShuttingDown or SiloStatus.Stopping => "leaving",
        SiloStatus.Dead => "dead",
        _ => Status.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// The members of the cluster as this process sees them, from Orleans' membership (kept current by gossip and the
/// membership table) and each silo's metadata (its role and HTTP address). A process alone is its only member.
/// </summary>
public sealed class ClusterMembers(
    IClusterMembershipService membership, ISiloMetadataCache metadata, ILocalSiloDetails local, ClusterOptions options)
{
    public bool Clustered => options.Enabled;

    public SiloAddress Self => local.SiloAddress;

    /// <summary>This process's name for NOTIFYs' edges (<see cref="Grains.Notify.NotifyMessage.Edge"/>): its silo address.</summary>
    public string SelfEdge { get; } = local.SiloAddress.ToParsableString();

    /// <summary>Every member the membership lists (the dead ones until Orleans cleans them up), this one first.</summary>
    public IReadOnlyList<ClusterMemberView> All() =>
        [.. membership.CurrentSnapshot.Members.Values
            .Select(View)
            .OrderByDescending(m => m.Self)
            .ThenBy(m => m.Role)
            .ThenBy(m => m.Name, StringComparer.Ordinal)
            .ThenByDescending(m => m.Address.Generation)];

    public IEnumerable<ClusterMemberView> Active() => All().Where(m => m.IsActive);

    /// <summary>The name of the member at <paramref name="siloAddress"/> (a silo address as Orleans writes it), or the address itself.</summary>
    public string NameOf(string siloAddress)
    {
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.SiloAddress.ToParsableString() == siloAddress)
                return member.Name;
        }
        return siloAddress;
    }

    public bool IsActive(SiloAddress silo) =>
        membership.CurrentSnapshot.Members.TryGetValue(silo, out var member) && member.Status == SiloStatus.Active;

    /// <summary>True when <paramref name="address"/> is a live member's host: its traffic (NOTIFYs from a silo) is trusted.</summary>
    public bool IsPeer(IPAddress address)
    {
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active && member.SiloAddress.Endpoint.Address.Equals(address))
                return true;
        }
        return false;
    }

    /// <summary>
    /// The SIP node to send through when <paramref name="gone"/> (the watcher's edge) is no longer active: the same
    /// endpoint restarted (a new generation), else this process if it speaks SIP, else any live SIP node; null when there is none.
    /// </summary>
    public SiloAddress? SipNodeInsteadOf(SiloAddress gone, bool selfSpeaksSip)
    {
        var live = Active().Where(m => m.SpeaksSip).ToList();
        var restarted = live.FirstOrDefault(m => m.Address.Endpoint.Equals(gone.Endpoint));
        if (restarted is not null)
            return restarted.Address;
        if (selfSpeaksSip)
            return Self;
        return live.FirstOrDefault()?.Address;
    }

    private ClusterMemberView View(ClusterMember member)
    {
        bool self = member.SiloAddress.Equals(local.SiloAddress);
        var values = self || member.Status == SiloStatus.Active ? metadata.GetSiloMetadata(member.SiloAddress).Metadata : null;
        ClusterRole? role = self ? options.Role : values is not null && values.TryGetValue(OrleansHosting.RoleKey, out var r) && RoleOf(r) is { } known ? known : null;
        string? http = values is not null && values.TryGetValue(OrleansHosting.HttpKey, out var h) && h.Length > 0 ? h : null;
        return new ClusterMemberView(member.SiloAddress, member.Name, member.Status, role, http, self);
    }

    private static ClusterRole? RoleOf(string text) => text switch
    {
        "both" => ClusterRole.Both,
        "silo" => ClusterRole.Silo,
        "edge" => ClusterRole.Edge,
        _ => null,
    };
}
