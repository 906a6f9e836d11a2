using Presence.Server.Telemetry;

namespace Presence.Server.Dashboard;

/// <summary>What the sampler knows now: the latest totals and the rates of the last few minutes, oldest first.</summary>
public sealed record DashboardReading(DateTimeOffset At, DashboardTotals Totals, IReadOnlyList<RatePoint> Rates);

/// <summary>
/// Turns the collector's cumulative counters into rates for the dashboard's charts. It samples only when asked (each
/// dashboard poll), at most once per <see cref="MinInterval"/> however many pages poll, so a server nobody watches
/// pays nothing, and it keeps <see cref="Window"/> of rate points so that a page opened (or reloaded) while another
/// watches gets a full chart at once. Two samples further apart than <see cref="MaxGap"/> give no point: the chart
/// shows a gap rather than an average over minutes nobody looked.
/// </summary>
public sealed class DashboardSampler
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(900);
    public static readonly TimeSpan MaxGap = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private readonly Func<IReadOnlyList<MetricFamily>> _collect;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Queue<RatePoint> _rates = new();
    private DashboardReading? _last;
    private long _lastStamp;

    public DashboardSampler(MetricsSnapshot metrics, TimeProvider time)
        : this(metrics.Collect, time)
    {
    }

    internal DashboardSampler(Func<IReadOnlyList<MetricFamily>> collect, TimeProvider time)
    {
        _collect = collect;
        _time = time;
    }

    /// <summary>The latest reading, taking a new sample first when the last one is at least <see cref="MinInterval"/> old.</summary>
    public DashboardReading Read()
    {
        lock (_lock)
        {
            long stamp = _time.GetTimestamp();
            if (_last is { } last && _time.GetElapsedTime(_lastStamp, stamp) < MinInterval)
                return last;
            var totals = DashboardTotals.From(_collect());
            var at = _time.GetUtcNow();
            if (_last is { } previous)
            {
                TimeSpan elapsed = _time.GetElapsedTime(_lastStamp, stamp);
                if (elapsed <= MaxGap)
                    _rates.Enqueue(RatePoint.Between(previous.Totals, totals, elapsed.TotalSeconds, at));
            }
            long oldest = (at - Window).ToUnixTimeMilliseconds();
            while (_rates.TryPeek(out var first) && first.T < oldest)
                _rates.Dequeue();
            _lastStamp = stamp;
            _last = new DashboardReading(at, totals, [.. _rates]);
            return _last;
        }
    }
}
