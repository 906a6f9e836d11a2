using System.Net;
using Microsoft.Extensions.Options;
using Presence.Server.Edge;

namespace Presence.Server.Cluster;

/// <summary>
/// The "Cluster" configuration section: how this process takes part in Orleans. Off by default: one process is one
/// silo on its own (localhost clustering) and needs none of it.
/// </summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>The silo port when none is set in a cluster (Orleans' customary port).</summary>
    public const int DefaultSiloPort = 11111;

    /// <summary>Join a cluster whose membership and reminders are in PostgreSQL (default false: a single process).</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Cluster:Role: both (users and SIP), silo (users only) or edge (SIP only); default both. Read by
    /// <see cref="ClusterRoles.TryRead"/>, which names a wrong value, not by the binder, which would only throw.
    /// </summary>
    public ClusterRole Role { get; internal set; } = ClusterRole.Both;

    /// <summary>Names the cluster in the membership table (default "presence"; several may share a database).</summary>
    public string ClusterId { get; set; } = "presence";

    /// <summary>Orleans' service id: the same for every deployment of this service, it keys the reminders (default "presence-orleans").</summary>
    public string ServiceId { get; set; } = "presence-orleans";

    /// <summary>This member's name in the membership table and the dashboard (default: machine name and silo port).</summary>
    public string SiloName { get; set; } = string.Empty;

    /// <summary>The PostgreSQL connection string of the membership and reminder tables (default: Presence:ConnectionString).</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// The TCP port silos talk to each other on (default: 11111 in a cluster; in a single process any free port on
    /// loopback, since nothing else talks to it).
    /// </summary>
    public int SiloPort { get; set; }

    /// <summary>
    /// The address the other members reach this one at (default: Sip:AdvertisedHost when it is an address, else the
    /// SIP listen address unless it is a wildcard, else this machine's first address that is up and not loopback).
    /// </summary>
    public string AdvertisedAddress { get; set; } = string.Empty;

    /// <summary>This member's HTTP base URL, where the dashboard fetches its figures (default: the first of Http:Urls).</summary>
    public string AdvertisedHttpAddress { get; set; } = string.Empty;

    /// <summary>How long a probe of another silo may take (Orleans ClusterMembershipOptions.ProbeTimeout; default 500 ms, Orleans' 5 s).</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The most an adaptive probe timeout may grow to (Orleans' MaxProbeTimeout; default 1 s, Orleans' 4 x ProbeTimeout).</summary>
    public TimeSpan MaxProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes before a silo votes another dead (Orleans' NumMissedProbesLimit; default 3, as Orleans).</summary>
    public int NumMissedProbesLimit { get; set; } = 3;

    /// <summary>How often a silo writes that it is alive to the table (Orleans' IAmAliveTablePublishTimeout; default 5 s, Orleans' 30 s).</summary>
    public TimeSpan IAmAliveTablePublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a silo re-reads the membership table besides gossip (Orleans' TableRefreshTimeout; default 5 s, Orleans' 60 s).</summary>
    public TimeSpan TableRefreshTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest a grain call waits for its answer (Orleans SiloMessagingOptions.ResponseTimeout; default 10 s,
    /// Orleans' 30 s). Calls to a silo declared dead fail at once; this bounds a call to one that hangs undeclared.
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a stopping member may take to leave (its calls finish, its users leave memory; default 10 s).</summary>
    public TimeSpan LeaveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The silo port in force: <see cref="SiloPort"/>, or the default for a cluster or a single process.</summary>
    public int EffectiveSiloPort => SiloPort != 0 ? SiloPort : Enabled ? DefaultSiloPort : FreeLoopbackPort();

    private static int FreeLoopbackPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

/// <summary>Refuses a cluster configuration that cannot work, naming the setting.</summary>
public sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var failures = new List<string>();
        if (!options.Enabled && options.Role != ClusterRole.Both)
            failures.Add($"Cluster:Role={options.Role.ToString().ToLowerInvariant()} needs Cluster:Enabled=true: a process on its own serves both SIP and users.");
        if (options.Enabled && string.IsNullOrWhiteSpace(options.ConnectionString))
            failures.Add("Cluster:Enabled needs Cluster:ConnectionString (or Presence:ConnectionString) to reach PostgreSQL.");
        if (options.SiloPort is < 0 or > 65535)
            failures.Add("Cluster:SiloPort must be a port number.");
        if (!string.IsNullOrWhiteSpace(options.AdvertisedAddress) && !IPAddress.TryParse(options.AdvertisedAddress.Trim(), out _))
            failures.Add($"Cluster:AdvertisedAddress '{options.AdvertisedAddress}' must be an IP address.");
        if (options.ProbeTimeout <= TimeSpan.Zero || options.MaxProbeTimeout < options.ProbeTimeout)
            failures.Add("Cluster:ProbeTimeout must be positive and at most Cluster:MaxProbeTimeout.");
        if (options.NumMissedProbesLimit < 1)
            failures.Add("Cluster:NumMissedProbesLimit must be at least 1.");
        if (options.IAmAliveTablePublishTimeout <= TimeSpan.Zero || options.TableRefreshTimeout <= TimeSpan.Zero)
            failures.Add("Cluster:IAmAliveTablePublishTimeout and Cluster:TableRefreshTimeout must be positive.");
        if (options.ResponseTimeout < TimeSpan.FromSeconds(1))
            failures.Add("Cluster:ResponseTimeout must be at least 1 s.");
        if (options.LeaveTimeout <= TimeSpan.Zero)
            failures.Add("Cluster:LeaveTimeout must be positive.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
