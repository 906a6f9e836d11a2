using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Presence.Grains.Storage;
using Presence.Server.Http;

namespace Presence.Server.Cluster;

/// <summary>
/// The cluster over HTTP: GET /api/cluster shows Orleans' membership as this member sees it, with each member's role;
/// POST /api/cluster/drain makes this silo leave gracefully. Calls about users need no forwarding: any member reaches
/// any user's grain.
/// </summary>
public static class ClusterApi
{
    /// <summary>Marks a call one member passed to another (the dashboard's figures), so that none is passed on again.</summary>
    public const string ForwardedHeader = "X-Presence-Forwarded-By";

    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cluster", (IServiceProvider services) => Results.Json(Describe(services)))
            .AddEndpointFilter(TokenFilter.RequireScope);
        app.MapPost("/api/cluster/drain", Drain).AddEndpointFilter(TokenFilter.RequireScope);
        return app;
    }

    /// <summary>
    /// A graceful leave: the process stops as on SIGTERM (SIP takes no new requests and finishes those in progress,
    /// Orleans marks the silo leaving, its users leave memory after their last turn, every acknowledged change is
    /// already stored), and the other silos serve its users from then on. Follow it on another member's /api/cluster.
    /// </summary>
    private static IResult Drain(ClusterMembers members, IHostApplicationLifetime lifetime)
    {
        if (!members.Clustered)
            return Results.Json(new ProblemJson("Only a silo of a cluster can be drained."), statusCode: StatusCodes.Status409Conflict);
        // After the response has gone: the stop would otherwise close the connection under it.
        _ = Task.Run(async () =>
        {
            await Task.Delay(200).ConfigureAwait(false);
            lifetime.StopApplication();
        });
        return Results.Json(new { draining = true, silo = members.Self.ToString() }, statusCode: StatusCodes.Status202Accepted);
    }

    private static object Describe(IServiceProvider services)
    {
        var members = services.GetRequiredService<ClusterMembers>();
        var committer = services.GetService<GroupCommitter>();
        var all = members.All();
        var self = all.First(m => m.Self);
        return new
        {
            clustered = members.Clustered,
            self = self.Name,
            silo = self.Address.ToString(),
            role = self.Role?.ToString().ToLowerInvariant(),
            status = self.StatusName,
            writeConflicts = committer?.Conflicts ?? 0,
            members = all.Select(m => new
            {
                silo = m.Name,
                address = m.Address.ToString(),
                role = m.Role?.ToString().ToLowerInvariant(),
                status = m.StatusName,
                http = m.HttpAddress,
                self = m.Self,
            }),
        };
    }
}
