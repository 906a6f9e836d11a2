using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Presence.Server.Cluster;

namespace Presence.Server.Edge;

public static class EdgeHostingExtensions
{
    /// <summary>
    /// An edge serves no API: only the liveness probe, with the members it sees, and (like /metrics, with its token when
    /// Http:Token is set) its own dashboard figures, which a silo's dashboard gathers.
    /// </summary>
    public static IEndpointRouteBuilder MapEdgeHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/dashboard", Dashboard.DashboardApi.GetAsync).AddEndpointFilter(Telemetry.TelemetryHostingExtensions.RequireToken);
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
