using Presence.Server.Telemetry;

namespace Presence.Server.Dashboard;

/// <summary>
/// This process's counters and gauges at one moment, read from the instruments /metrics serves (one collection of
/// the <see cref="MetricsSnapshot"/>, a reader of the same meter provider as /metrics), so the dashboard and Prometheus
/// never disagree and nothing new is counted.
/// </summary>
public sealed record DashboardTotals(
    IReadOnlyDictionary<string, long> RequestsByMethod,
    IReadOnlyDictionary<string, long> ResponsesByClass,
    long Requests,
    long ServerErrors,
    long NotifySent,
    long NotifyFailed,
    long ParseErrors,
    long RateLimited,
    long StoreFailedBatches,
    long UsersActive,
    long Subscriptions,
    long Registrations)
{
    /// <summary>
    /// What the dashboard calls errors: requests answered 5xx or 6xx, NOTIFYs refused or timed out, messages that did
    /// not parse, and failed store transactions. Not 4xx (a digest challenge is routine) and not rate limiting (the
    /// server defending itself; it has its own figure).
    /// </summary>
    public long Errors => ServerErrors + NotifyFailed + ParseErrors + StoreFailedBatches;

    public static DashboardTotals From(IReadOnlyList<MetricFamily> families)
    {
        var byMethod = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var byClass = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long requests = 0, serverErrors = 0;
        foreach (var point in Points(families, "sip.server.requests"))
        {
            long value = (long)point.Value;
            requests += value;
            string method = Label(point, PresenceTelemetry.Attributes.SipMethod) ?? "_OTHER";
            byMethod[method] = byMethod.GetValueOrDefault(method) + value;
            if (Label(point, PresenceTelemetry.Attributes.StatusClass) is "5xx" or "6xx")
                serverErrors += value;
        }
        foreach (var point in Points(families, "sip.server.responses"))
        {
            string statusClass = Label(point, PresenceTelemetry.Attributes.StatusClass) ?? "none";
            byClass[statusClass] = byClass.GetValueOrDefault(statusClass) + (long)point.Value;
        }
        return new DashboardTotals(
            byMethod,
            byClass,
            requests,
            serverErrors,
            Sum(families, "presence.notify.sent"),
            Sum(families, "presence.notify.failed"),
            Sum(families, "sip.server.parse_errors"),
            Sum(families, "sip.server.rate_limited"),
            Sum(families, "presence.store.failed_batches"),
            Sum(families, "presence.users.active"),
            Sum(families, "presence.subscriptions"),
            Sum(families, "presence.registrations"));
    }

    private static IEnumerable<MetricPoint> Points(IReadOnlyList<MetricFamily> families, string name)
    {
        foreach (var family in families)
        {
            if (string.Equals(family.Name, name, StringComparison.Ordinal))
                return family.Points;
        }
        return [];
    }

    private static long Sum(IReadOnlyList<MetricFamily> families, string name) => (long)Points(families, name).Sum(p => p.Value);

    private static string? Label(MetricPoint point, string name)
    {
        foreach (var label in point.Labels)
        {
            if (string.Equals(label.Key, name, StringComparison.Ordinal))
                return label.Value;
        }
        return null;
    }
}
