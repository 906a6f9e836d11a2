namespace Presence.Server.Dashboard;

/// <summary>
/// Per-second rates over one interval between two samples, stamped with the interval's end (<paramref name="T"/>,
/// unix milliseconds by the clock of the process that measured it).
/// </summary>
public sealed record RatePoint(
    long T,
    double Requests,
    double Notifies,
    double NotifyFailed,
    double Errors,
    double ParseErrors,
    double RateLimited,
    IReadOnlyDictionary<string, double> ByMethod)
{
    /// <summary>The rates from <paramref name="before"/> to <paramref name="after"/>, <paramref name="seconds"/> apart.</summary>
    public static RatePoint Between(DashboardTotals before, DashboardTotals after, double seconds, DateTimeOffset at)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seconds);
        var byMethod = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (method, total) in after.RequestsByMethod)
        {
            double rate = Rate(before.RequestsByMethod.GetValueOrDefault(method), total, seconds);
            if (rate > 0)
                byMethod[method] = rate;
        }
        return new RatePoint(
            at.ToUnixTimeMilliseconds(),
            Rate(before.Requests, after.Requests, seconds),
            Rate(before.NotifySent, after.NotifySent, seconds),
            Rate(before.NotifyFailed, after.NotifyFailed, seconds),
            Rate(before.Errors, after.Errors, seconds),
            Rate(before.ParseErrors, after.ParseErrors, seconds),
            Rate(before.RateLimited, after.RateLimited, seconds),
            byMethod);
    }

    // Counters only rise within a process; a negative difference is nothing, not a negative rate.
    private static double Rate(long before, long after, double seconds) => Math.Round(Math.Max(0, after - before) / seconds, 2);
}
