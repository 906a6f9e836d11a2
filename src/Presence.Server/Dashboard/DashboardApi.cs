using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Presence.Server.Cluster;
using Presence.Server.Presence;

namespace Presence.Server.Dashboard;

/// <summary>
/// GET /api/dashboard (either token): this member's rates and totals, its users, subscriptions and registrations, the
/// latest presence changes; in a cluster also the members and every live member's figures, fetched from each (an edge
/// answers with its SIP figures). The page polls it every second; <c>history=true</c> (its first call) adds the last
/// few minutes of rates.
/// </summary>
internal static class DashboardApi
{
    public static async Task<IResult> GetAsync(
        bool? history, HttpContext http, DashboardSampler sampler, PresenceChangeFeed feed, DashboardPeers peers, ClusterMembers cluster,
        CancellationToken ct)
    {
        var members = Members(cluster);
        string self = members.First(m => m.Self).Silo;
        bool withHistory = history == true;
        var reading = sampler.Read();
        var silos = new List<SiloJson> { SiloJson.From(self, reading, withHistory) };
        var changes = feed.Recent.Latest().Select(c => ChangeJson.From(c, self)).ToList();

        // A member asked by another answers for itself: no fan-out from there, so no loop between two views.
        if (cluster.Clustered && !http.Request.Headers.ContainsKey(ClusterApi.ForwardedHeader))
        {
            string authorization = http.Request.Headers.Authorization.ToString();
            var others = members
                .Where(m => !m.Self && m.Status is "active" or "leaving" && !string.IsNullOrEmpty(m.Http))
                .DistinctBy(m => m.Silo)
                .Select(m => peers.FetchAsync(m, authorization, self, withHistory, ct));
            foreach (var (silo, theirs) in await Task.WhenAll(others).ConfigureAwait(false))
            {
                silos.Add(silo);
                changes.AddRange(theirs);
            }
            changes = [.. changes.OrderByDescending(c => c.At).Take(RecentChanges.DefaultCapacity)];
        }
        return Results.Json(new DashboardJson(reading.At, self, cluster.Clustered, members, silos, changes));
    }

    private static List<MemberJson> Members(ClusterMembers cluster) =>
        [.. cluster.All().Select(m => new MemberJson(
            m.Name, m.Role?.ToString().ToLowerInvariant() ?? "unknown", m.StatusName, m.Address.ToString(), m.HttpAddress, m.Self))];
}
