using Microsoft.Extensions.Options;
using Presence.Cluster.Membership;
using Presence.Server.Edge;

namespace Presence.Server.Cluster;

/// <summary>The "Cluster" configuration section. Off by default: one process with SQLite needs none of it.</summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>Join a cluster whose membership is in PostgreSQL (default false: a single process).</summary>
    public bool Enabled { get; set; }

    /// <summary>both, silo or edge (default both).</summary>
    public ClusterRole Role { get; set; } = ClusterRole.Both;

    /// <summary>Names the cluster in the membership tables (default "presence").</summary>
    public string ClusterId { get; set; } = "presence";

    /// <summary>
    /// This process's stable name in the ring (default: machine name and SIP UDP port). Partitions follow
    /// the name, so a silo restarted under the same name gets the same users back.
    /// </summary>
    public string SiloName { get; set; } = string.Empty;

    /// <summary>The PostgreSQL connection string of the membership table (default: Presence:ConnectionString).</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Where other members send SIP for this one, as "udp:host:port" (default: the advertised host and UDP port).</summary>
    public string AdvertisedSipAddress { get; set; } = string.Empty;

    /// <summary>This member's HTTP API base URL for the others (default: the first of Http:Urls).</summary>
    public string AdvertisedHttpAddress { get; set; } = string.Empty;

    public TimeSpan LeaseDuration { get; set; } = new MembershipOptions().LeaseDuration;

    public TimeSpan RenewInterval { get; set; } = new MembershipOptions().RenewInterval;

    public TimeSpan FenceMargin { get; set; } = new MembershipOptions().FenceMargin;

    public TimeSpan ProbeInterval { get; set; } = new MembershipOptions().ProbeInterval;

    public TimeSpan HandoverTimeout { get; set; } = new MembershipOptions().HandoverTimeout;

    public TimeSpan DeadMemberRetention { get; set; } = new MembershipOptions().DeadMemberRetention;

    /// <summary>How long a stopping silo may take to hand its users over before it stops anyway (default 10 s).</summary>
    public TimeSpan LeaveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public MembershipOptions ToMembershipOptions() => new()
    {
        ClusterId = ClusterId,
        LeaseDuration = LeaseDuration,
        RenewInterval = RenewInterval,
        FenceMargin = FenceMargin,
        ProbeInterval = ProbeInterval,
        HandoverTimeout = HandoverTimeout,
        DeadMemberRetention = DeadMemberRetention,
    };
}

/// <summary>Refuses a cluster configuration that cannot work, naming the setting.</summary>
public sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        if (!options.Enabled)
            return ValidateOptionsResult.Success;
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            failures.Add("Cluster:Enabled needs Cluster:ConnectionString (or Presence:ConnectionString) to reach PostgreSQL.");
        try
        {
            options.ToMembershipOptions().Validate();
        }
        catch (ArgumentException ex)
        {
            failures.Add(ex.Message);
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
