using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Presence.Cluster.Membership;
using Presence.Server.Cluster;
using Presence.Server.Presence;
using Presence.Server.Telemetry;

namespace Presence.Server.Dashboard;

/// <summary>
/// GET /api/dashboard (either token): this member's rates and totals, its users, subscriptions and registrations, the
/// latest presence changes; in a cluster also the members and every live silo's figures, fetched from each silo. The
/// page polls it every second; <c>history=true</c> (its first call) adds the last few minutes of rates.
/// </summary>
internal static class DashboardApi
{
    public static async Task<IResult> GetAsync(
        bool? history, HttpContext http, DashboardSampler sampler, PresenceChangeFeed feed, DashboardPeers peers, CancellationToken ct)
    {
        var services = http.RequestServices;
        var agent = services.GetService<MembershipAgent>();
        string self = agent?.SiloId ?? Environment.MachineName;
        bool withHistory = history == true;
        var reading = sampler.Read();
        var silos = new List<SiloJson> { SiloJson.From(self, reading, withHistory) };
        var changes = feed.Recent.Latest().Select(c => ChangeJson.From(c, self)).ToList();
        var members = agent is null ? Alone(self, services.GetService<TelemetryRole>()?.Name ?? "both") : Members(agent);

        // A member asked by another answers for itself: no fan-out from there, so no loop between two views.
        if (agent is not null && !http.Request.Headers.ContainsKey(ClusterApi.ForwardedHeader))
        {
            string authorization = http.Request.Headers.Authorization.ToString();
            var others = members
                .Where(m => !m.Self && m.Role == "silo" && m.Status is "active" or "leaving" && !string.IsNullOrEmpty(m.Http) && m.Silo != self)
                .DistinctBy(m => m.Silo)
                .Select(m => peers.FetchAsync(m, authorization, self, withHistory, ct));
            foreach (var (silo, theirs) in await Task.WhenAll(others).ConfigureAwait(false))
            {
                silos.Add(silo);
                changes.AddRange(theirs);
            }
            changes = [.. changes.OrderByDescending(c => c.At).Take(RecentChanges.DefaultCapacity)];
        }
        return Results.Json(new DashboardJson(reading.At, self, agent is not null, agent?.Ring.Version, members, silos, changes));
    }

    private static List<MemberJson> Alone(string self, string role) => [new MemberJson(self, role, "active", null, null, null, null, true)];

    private static List<MemberJson> Members(MembershipAgent agent)
    {
        var shares = agent.Ring.Shares();
        return (agent.Snapshot?.Members ?? [])
            .OrderBy(m => m.Role)
            .ThenBy(m => m.SiloId, StringComparer.Ordinal)
            .ThenByDescending(m => m.Incarnation)
            .Select(m =>
            {
                bool isSelf = m.SiloId == agent.SiloId && m.Incarnation == agent.Incarnation;
                string status = isSelf && agent.IsFenced ? "fenced" : m.Status.ToString().ToLowerInvariant();
                int? partitions = m.Role != MemberRole.Silo ? null : m.Status == MemberStatus.Active ? shares.GetValueOrDefault(m.SiloId) : 0;
                return new MemberJson(
                    m.SiloId, m.Role.ToString().ToLowerInvariant(), status, partitions, m.SipAddress, m.HttpAddress, m.LeaseExpires, isSelf);
            })
            .ToList();
    }
}
