using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Presence.Server.Cluster;

namespace Presence.Server.Edge;

public static class EdgeHostingExtensions
{
    /// <summary>An edge serves no API: only the liveness probe, with the members it sees (and /metrics).</summary>
    public static IEndpointRouteBuilder MapEdgeHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", (ClusterMembers members) => Results.Ok(new
        {
            status = "ok",
            role = "edge",
            silo = members.Self.ToString(),
            silos = members.Active().Where(m => m.HostsUsers).Select(m => m.Name).ToArray(),
        }));
        return app;
    }
}
