using Presence.Server.Http;
using Presence.Server.Presence;

namespace Presence.Server.Dashboard;

/// <summary>
/// GET /api/dashboard: the members as this member sees them, each silo's figures (this one's, and in a cluster the
/// others' as they answered), and the latest presence changes across them. A member asked by another answers with
/// only itself in <see cref="Silos"/>, and only its own changes.
/// </summary>
public sealed record DashboardJson(
    DateTimeOffset At,
    string Self,
    bool Clustered,
    IReadOnlyList<MemberJson> Members,
    IReadOnlyList<SiloJson> Silos,
    IReadOnlyList<ChangeJson> Changes);

/// <summary>A row of Orleans' membership (outside a cluster, this process alone): name, role, status, silo address, HTTP API.</summary>
public sealed record MemberJson(
    string Silo,
    string Role,
    string Status,
    string Address,
    string? Http,
    bool Self);

/// <summary>
/// One silo's figures: <see cref="Totals"/> are its counters since it started and its gauges now (users in memory,
/// subscriptions, registrations); <see cref="Rates"/> holds the latest rate point only, or the last few minutes when
/// the call asked for <c>history=true</c>. A silo that did not answer has <see cref="Reachable"/> false, an
/// <see cref="Error"/> saying why, and no figures.
/// </summary>
public sealed record SiloJson(
    string Silo,
    bool Self,
    bool Reachable,
    string? Error,
    DateTimeOffset? At,
    DashboardTotals? Totals,
    IReadOnlyList<RatePoint> Rates)
{
    public static SiloJson Unreachable(string silo, string error) => new(silo, false, false, error, null, null, []);

    public static SiloJson From(string silo, DashboardReading reading, bool history) =>
        new(silo, true, true, null, reading.At, reading.Totals, history ? reading.Rates : reading.Rates.Count == 0 ? [] : [reading.Rates[^1]]);
}

/// <summary>One composite change: who, the new status, its note, when, why, and which silo saw it.</summary>
public sealed record ChangeJson(string Aor, string Status, string? Note, DateTimeOffset At, string Cause, string Silo)
{
    public static ChangeJson From(RecentChange change, string silo) =>
        new(change.Aor, PresenceJson.StatusName(change.Entry.Status), change.Entry.Note, change.Entry.At, change.Entry.Cause, silo);
}
