using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Presence.Cluster.Membership;
using Presence.Cluster.Runtime;
using Presence.Cluster.Storage;
using Presence.Server.Edge;
using Presence.Server.Presence;
using Presence.Server.Sip;
using Presence.Sip.Transport;

namespace Presence.Server.Cluster;

public static class ClusterHosting
{
    /// <summary>True when the configuration asks for a cluster (Cluster:Enabled).</summary>
    public static bool IsClustered(IConfiguration configuration) =>
        configuration.GetSection(ClusterOptions.Section).GetValue<bool>(nameof(ClusterOptions.Enabled));

    /// <summary>
    /// Membership (when Cluster:Enabled) and the locator the SIP side asks where a user lives. Register after
    /// AddPresence and before AddSipEndpoint: hosted services start in order, so the store is open before
    /// this silo joins, and it has joined before the first SIP request.
    /// </summary>
    public static IServiceCollection AddCluster(this IServiceCollection services, IConfiguration configuration, ClusterRole role)
    {
        services.AddOptions<ClusterOptions>()
            .Bind(configuration.GetSection(ClusterOptions.Section))
            .PostConfigure(o =>
            {
                if (string.IsNullOrWhiteSpace(o.ConnectionString))
                    o.ConnectionString = configuration[$"{PresenceHostOptions.Section}:ConnectionString"] ?? string.Empty;
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        // Without a cluster, AddSipEdge picks the locator (one process, or a static silo list).
        if (!IsClustered(configuration))
            return services;
        services.TryAddSingleton<LocalIdentity>();

        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ClusterOptions>>().Value;
            return new PostgresMembershipTable(options.ConnectionString, options.ClusterId, sp.GetRequiredService<ILogger<PostgresMembershipTable>>());
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ClusterOptions>>().Value;
            var sip = sp.GetRequiredService<IOptions<SipOptions>>().Value;
            var identity = sp.GetRequiredService<LocalIdentity>();
            string urls = configuration["Http:Urls"] ?? "http://127.0.0.1:8080";
            var self = new ClusterMember(
                string.IsNullOrWhiteSpace(options.SiloName) ? $"{Environment.MachineName}:{sip.UdpPort}" : options.SiloName.Trim(),
                0,
                role == ClusterRole.Edge ? MemberRole.Edge : MemberRole.Silo,
                MemberStatus.Active,
                string.IsNullOrWhiteSpace(options.AdvertisedSipAddress) ? $"udp:{identity.Host}:{sip.UdpPort}" : options.AdvertisedSipAddress.Trim(),
                string.IsNullOrWhiteSpace(options.AdvertisedHttpAddress)
                    ? urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? string.Empty
                    : options.AdvertisedHttpAddress.Trim(),
                default, default, default, 0);
            return new MembershipAgent(
                sp.GetRequiredService<PostgresMembershipTable>(), options.ToMembershipOptions(), self,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<MembershipAgent>>());
        });
        // Registered before AddSipEdge, whose TryAdd then leaves it in place.
        services.AddSingleton<ClusterSiloLocator>();
        services.Replace(ServiceDescriptor.Singleton<ISiloLocator>(sp => sp.GetRequiredService<ClusterSiloLocator>()));
        services.AddSingleton<ClusterPeers>();
        services.AddHostedService<ClusterService>();
        return services;
    }
}

/// <summary>Where a user lives, from the membership ring this process holds.</summary>
public sealed class ClusterSiloLocator(MembershipAgent agent) : ISiloLocator
{
    /// <summary>This member's name in the ring.</summary>
    public string SelfName => agent.SiloId;

    /// <summary>The HTTP API base URL of the silo that owns the user; null when none does.</summary>
    public string? OwnerHttpAddress(string aor) => agent.Ring.OwnerOfKey(aor)?.HttpAddress;

    private readonly Dictionary<string, SipDestination> _addresses = new(StringComparer.Ordinal);

    public SiloRoute Locate(string aor)
    {
        var partition = PartitionHash.PartitionOf(aor, agent.Ring.Partitions);
        if (agent.Role == MemberRole.Silo && agent.IsFenced)
            return SiloRoute.Unavailable();
        var owner = agent.Ring.OwnerOf(partition);
        if (owner is null)
            return SiloRoute.Unavailable();
        if (owner.SiloId == agent.SiloId && owner.Incarnation == agent.Incarnation)
            return SiloRoute.Local;
        return TryAddress(owner.SipAddress, out var destination) ? SiloRoute.Remote(destination) : SiloRoute.Unavailable();
    }

    private bool TryAddress(string address, out SipDestination destination)
    {
        lock (_addresses)
        {
            if (_addresses.TryGetValue(address, out destination))
                return true;
            if (!FlowToken.TryParse(address, out destination))
                return false;
            _addresses[address] = destination;
            return true;
        }
    }
}

/// <summary>What a silo does when it loses partitions: its grains of them finish and go, then their writes are flushed.</summary>
public sealed class PresenceReleaser(GrainRuntime<PresentityGrain> runtime, GroupCommitter committer) : IPartitionReleaser
{
    public async Task ReleaseAsync(Func<int, bool> lost, CancellationToken ct)
    {
        await runtime.ReleaseAsync(lost, ct).ConfigureAwait(false);
        await committer.FlushAsync(ct).ConfigureAwait(false);
    }
}

/// <summary>
/// Joins the cluster after the store is open and before SIP listens; on stop, hands this silo's users over
/// (graceful leave) before anything else stops, so that nothing acknowledged is lost and watchers go on
/// being notified by the new owners.
/// </summary>
public sealed class ClusterService(
    MembershipAgent agent, IOptions<ClusterOptions> options, IServiceProvider services, ILogger<ClusterService> logger) : IHostedLifecycleService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var peers = services.GetRequiredService<ClusterPeers>();
        agent.RingChanged += _ => peers.Update(agent.Snapshot);
        if (services.GetService<GrainRuntime<PresentityGrain>>() is { } runtime)
        {
            agent.Releaser = new PresenceReleaser(runtime, services.GetRequiredService<GroupCommitter>());
            // Gained partitions may hold users with expiries due: look for them at once.
            agent.RingChanged += _ => runtime.PollNow();
        }
        await agent.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.Value.LeaveTimeout);
        try
        {
            await agent.LeaveAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            ClusterLog.LeaveTimedOut(logger, options.Value.LeaveTimeout);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await agent.DisposeAsync().ConfigureAwait(false);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// The addresses of the cluster's members, kept from the membership table: their SIP traffic is never rate
/// limited (an edge speaks for all its clients, and every NOTIFY comes from a silo).
/// </summary>
public sealed class ClusterPeers
{
    private volatile HashSet<System.Net.IPAddress> _addresses = [];

    public bool Contains(System.Net.IPAddress address) => _addresses.Contains(address);

    public void Update(MembershipSnapshot? snapshot)
    {
        var addresses = new HashSet<System.Net.IPAddress>();
        foreach (var member in snapshot?.Members ?? [])
        {
            if (member.IsLive && FlowToken.TryParse(member.SipAddress, out var destination))
                addresses.Add(destination.EndPoint.Address);
        }
        _addresses = addresses;
    }
}
