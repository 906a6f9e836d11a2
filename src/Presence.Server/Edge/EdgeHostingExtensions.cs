using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Presence.Server.Cluster;
using Presence.Server.Sip;
using Presence.Sip.Transport;

namespace Presence.Server.Edge;

public static class EdgeHostingExtensions
{
    /// <summary>
    /// Wires the edge side of a process: the "Edge" options, the silo locator (<see cref="SingleProcessLocator"/>
    /// unless <c>Edge:Silos</c> lists silos or the process is an edge, then <see cref="StaticSiloLocator"/>; a
    /// locator registered before this call, the cluster's, wins) and, except on a pure silo, the stateless
    /// <see cref="SipProxy"/> the SIP endpoint hooks in when it has somewhere to forward.
    /// </summary>
    public static IServiceCollection AddSipEdge(this IServiceCollection services, IConfiguration configuration, ClusterRole role)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IConfigurationSection section = configuration.GetSection(EdgeOptions.Section);
        services.AddOptions<EdgeOptions>().Bind(section)
            // "--Edge:Silos=a,b" is one value, which the binder does not put in a list; take it as the list.
            .PostConfigure(o => o.Silos.AddRange(SplitList(section[nameof(EdgeOptions.Silos)])))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<EdgeOptions>, EdgeOptionsValidator>();
        services.TryAddSingleton<LocalIdentity>();
        services.TryAddSingleton<ISiloLocator>(sp => CreateLocator(sp, role));
        // A silo of a cluster forwards a request for a user it does not own to the owner (a stale edge, or an
        // outside proxy such as Kamailio that hashes on its own), without putting itself in the dialog's path
        // when someone upstream already record-routed. A silo outside a cluster forwards nothing.
        bool clusteredSilo = role == ClusterRole.Silo && Cluster.ClusterHosting.IsClustered(configuration);
        if (role == ClusterRole.Silo && !clusteredSilo)
            return services;
        // The edge's own rate limit must not throttle the silos it forwards for: every NOTIFY comes from one.
        // (Read from the configuration, not from EdgeOptions, whose validator reads SipOptions.)
        services.PostConfigure<SipOptions>(sip => sip.RateLimit.Exempt.AddRange(
            ConfiguredSilos(section).Select(s => FlowToken.TryParse(s, out var silo) ? silo.EndPoint.Address.ToString() : null).OfType<string>()));
        services.AddSingleton<ProxyIdentity>();
        services.AddSingleton(sp => new SignedFlowToken(sp.GetRequiredService<IOptions<EdgeOptions>>().Value.FlowKey()));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EdgeOptions>>().Value;
            var logger = sp.GetRequiredService<ILogger<SipProxy>>();
            RecordRouteMode recordRoute = clusteredSilo ? RecordRouteMode.IfNone : options.RecordRoute;
            var proxy = new SipProxy(
                sp.GetRequiredService<ProxyIdentity>(), sp.GetRequiredService<ISiloLocator>(), sp.GetRequiredService<SignedFlowToken>(),
                servesLocally: role != ClusterRole.Edge, recordRoute, logger);
            // The mode the proxy really uses: an operator checking that silos behind Kamailio stay out of the path reads it here.
            EdgeLog.Started(logger, role, proxy.IsActive ? "forwarding (record-route " + recordRoute + ")" : "off (one process)");
            return proxy;
        });
        return services;
    }

    /// <summary>An edge serves no API: only the liveness probe, with the proxy's counters.</summary>
    public static IEndpointRouteBuilder MapEdgeHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", (SipProxy proxy, IServiceProvider services) =>
        {
            // In a cluster, the ring this edge routes by: which silos it believes active, at which version.
            var agent = services.GetService<global::Presence.Cluster.Membership.MembershipAgent>();
            var ring = agent?.Ring;
            return Results.Ok(new
            {
                status = "ok",
                role = "edge",
                proxy.Counters,
                ringVersion = ring?.Version,
                silos = ring?.Silos.Select(s => s.SiloId).ToArray(),
            });
        });
        return app;
    }

    private static ISiloLocator CreateLocator(IServiceProvider sp, ClusterRole role)
    {
        var options = sp.GetRequiredService<IOptions<EdgeOptions>>().Value;
        var logger = sp.GetRequiredService<ILogger<StaticSiloLocator>>();
        var silos = options.SiloDestinations();
        if (silos.Count == 0 && role != ClusterRole.Edge)
            return new SingleProcessLocator();
        if (silos.Count == 0)
            EdgeLog.NoSilos(logger);
        else
            EdgeLog.Silos(logger, string.Join(", ", silos.Select(FlowToken.Format)));
        return new StaticSiloLocator(silos, role == ClusterRole.Edge ? null : Self(sp), options.RetryAfterSeconds);
    }

    // This process as the silo list names it: its advertised host and UDP port, when the host is an address.
    private static SipDestination? Self(IServiceProvider sp)
    {
        var identity = sp.GetRequiredService<LocalIdentity>();
        int port = identity.PortOf(SipTransportKind.Udp);
        return port != 0 && IPAddress.TryParse(identity.Host.Trim('[', ']'), out var address)
            ? new SipDestination(SipTransportKind.Udp, new IPEndPoint(address, port))
            : null;
    }

    // Both spellings of the list: "Edge:Silos:0=..." entries and one comma-separated "Edge:Silos=...".
    private static IEnumerable<string> ConfiguredSilos(IConfigurationSection section) =>
        section.GetSection(nameof(EdgeOptions.Silos)).GetChildren().Select(c => c.Value?.Trim()).OfType<string>()
            .Concat(SplitList(section[nameof(EdgeOptions.Silos)]));

    private static IEnumerable<string> SplitList(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : value.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
