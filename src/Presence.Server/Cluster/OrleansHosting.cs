using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Presence.Grains;
using Presence.Grains.Due;
using Presence.Grains.Storage;
using Presence.Server.Edge;
using Presence.Server.Notify;
using Presence.Server.OrleansDashboard;
using Presence.Server.Presence;
using Presence.Server.Sip;
using OrleansClusterOptions = Orleans.Configuration.ClusterOptions;

namespace Presence.Server.Cluster;

/// <summary>
/// This process as an Orleans silo. One process alone is one silo with localhost clustering, in-memory reminders (the
/// users' due times live in their SQLite rows) and its silo port on loopback. In a cluster, membership and reminders
/// are Orleans' ADO.NET providers on PostgreSQL, failure detection is tuned to seconds (ORLEANS-NOTES.md), and the
/// role decides what the silo holds: users (both, silo) and SIP (both, edge). The silo's metadata carries its role and
/// HTTP address, so every member can tell the others apart and the dashboard can reach every silo.
/// </summary>
public static class OrleansHosting
{
    /// <summary>Silo metadata keys (Orleans' UseSiloMetadata), read by <see cref="ClusterMembers"/>.</summary>
    public const string RoleKey = "presence.role";

    public const string HttpKey = "presence.http";

    /// <summary>
    /// Reads the "Cluster" section as the host will bind it, with the defaults that depend on other sections, and the
    /// failures that stop the process before anything starts.
    /// </summary>
    public static ClusterOptions ReadOptions(IConfiguration configuration, out IReadOnlyList<string> failures)
    {
        // The role first: the binder would only throw on a wrong one, where this names it.
        if (!ClusterRoles.TryRead(configuration, out var role, out string roleError))
        {
            failures = [roleError];
            return new ClusterOptions();
        }
        var options = configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>() ?? new ClusterOptions();
        options.Role = role;
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            options.ConnectionString = configuration[$"{PresenceHostOptions.Section}:ConnectionString"] ?? string.Empty;
        var result = new ClusterOptionsValidator().Validate(null, options);
        failures = result.Failed ? [.. result.Failures] : [];
        return options;
    }

    /// <summary>Connections Orleans' membership and reminders may hold per member (one Npgsql pool for both).</summary>
    public const int OrleansMaxPoolSize = 10;

    // Orleans' providers open a pooled connection per query: capped, so that members × (store + this) stays within
    // what PostgreSQL allows, unless the operator's connection string sizes the pool itself.
    private static string OrleansConnectionString(ClusterOptions options) =>
        PostgresGrainStore.WithPoolCap(options.ConnectionString, OrleansMaxPoolSize);

    public static WebApplicationBuilder UsePresenceSilo(this WebApplicationBuilder builder, ClusterOptions options)
    {
        int siloPort = options.EffectiveSiloPort;
        bool hostsUsers = options.Role != ClusterRole.Edge;
        bool speaksSip = options.Role != ClusterRole.Silo;
        builder.Services.AddSingleton(options);
        if (options.Enabled)
            builder.Services.AddHostedService<ClusterSchemaService>();
        builder.UseOrleans(silo =>
        {
            silo.Configure<OrleansClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            silo.Configure<SiloOptions>(o => o.SiloName = SiloName(options, siloPort));
            if (options.Enabled)
            {
                silo.ConfigureEndpoints(AdvertisedAddress(options, builder.Configuration), siloPort, gatewayPort: 0, listenOnAnyHostAddress: true);
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = OrleansConnectionString(options);
                });
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = options.ProbeTimeout;
                    o.MaxProbeTimeout = options.MaxProbeTimeout;
                    o.NumMissedProbesLimit = options.NumMissedProbesLimit;
                    o.IAmAliveTablePublishTimeout = options.IAmAliveTablePublishTimeout;
                    o.TableRefreshTimeout = options.TableRefreshTimeout;
                });
            }
            else
            {
                // Nothing else talks to this silo: it listens on loopback only, and has no gateway.
                silo.UseLocalhostClustering(siloPort, gatewayPort: 0, serviceId: options.ServiceId, clusterId: options.ClusterId);
            }
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = options.ResponseTimeout);
            silo.Configure<GrainCollectionOptions>(o =>
            {
                var idle = builder.Configuration.GetSection(PresenceHostOptions.Section).GetValue<TimeSpan?>(nameof(PresenceHostOptions.IdleTimeout));
                o.CollectionAge = idle ?? new PresenceHostOptions().IdleTimeout;
                // Orleans looks for idle grains every quantum (1 minute) and wants the age above it: a short idle
                // timeout gets a quantum of half of it.
                if (o.CollectionAge <= o.CollectionQuantum * 2)
                    o.CollectionQuantum = o.CollectionAge / 2;
            });
            silo.UseSiloMetadata(new Dictionary<string, string>
            {
                [RoleKey] = options.Role.ToString().ToLowerInvariant(),
                [HttpKey] = AdvertisedHttp(options, builder.Configuration),
            });
            silo.AddActivityPropagation();
            // Every member runs the reminder service, edges too: Orleans splits the reminders' ring among all active
            // members, so a member without it that owns the due sweeper's range refuses the sweeper's reminder ("unknown
            // SystemTarget") and its activation fails, about one cluster in six. An edge's share only calls the sweeper,
            // which Orleans places on a silo that hosts users.
            if (options.Enabled)
            {
                silo.UseAdoNetReminderService(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = OrleansConnectionString(options);
                });
            }
            else
            {
                // The sweeper's keep-alive is the only reminder; its silo is this process, which starts it anyway.
                silo.UseInMemoryReminderService();
            }
            if (hostsUsers)
            {
                silo.AddOrleansDashboard(OrleansDashboard.OrleansDashboardOptions.Read(builder.Configuration));
                silo.AddPresenceGrains(sweep => builder.Configuration.GetSection(DueSweepOptions.Section).Bind(sweep));
            }
            else
            {
                silo.WithoutUserGrains();
            }
            if (speaksSip)
                silo.AddGrainService<EdgeNotifier>();
            silo.Services.AddSingleton<IEdgeNotifierClient, EdgeNotifierClient>();
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.LeaveTimeout + TimeSpan.FromSeconds(5));
        return builder;
    }

    private static string SiloName(ClusterOptions options, int siloPort) =>
        string.IsNullOrWhiteSpace(options.SiloName) ? $"{Environment.MachineName}:{siloPort}" : options.SiloName.Trim();

    private static IPAddress AdvertisedAddress(ClusterOptions options, IConfiguration configuration)
    {
        if (IPAddress.TryParse(options.AdvertisedAddress.Trim(), out var configured))
            return configured;
        var sip = configuration.GetSection(SipOptions.Section).Get<SipOptions>() ?? new SipOptions();
        if (IPAddress.TryParse(sip.AdvertisedHost?.Trim('[', ']'), out var advertised))
            return advertised;
        if (IPAddress.TryParse(sip.ListenAddress, out var listen) && !listen.Equals(IPAddress.Any) && !listen.Equals(IPAddress.IPv6Any))
            return listen;
        return LocalIdentity.FirstMachineAddress();
    }

    private static string AdvertisedHttp(ClusterOptions options, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(options.AdvertisedHttpAddress))
            return options.AdvertisedHttpAddress.Trim();
        string urls = configuration[$"{Http.HttpApiOptions.Section}:Urls"] ?? new Http.HttpApiOptions().Urls;
        return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? string.Empty;
    }
}
