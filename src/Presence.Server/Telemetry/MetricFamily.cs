namespace Presence.Server.Telemetry;

/// <summary>What kind of series a family has.</summary>
public enum MetricKind
{
    /// <summary>A cumulative count (Counter, ObservableCounter): "_total".</summary>
    Counter,

    /// <summary>A value now (gauges and up-down counters).</summary>
    Gauge,

    /// <summary>A distribution: "_bucket", "_sum", "_count".</summary>
    Histogram,
}

/// <summary>One instrument's series at one collection (<see cref="MetricsSnapshot"/>), named as OpenTelemetry names it ("presence.notify.delay", "s").</summary>
public sealed record MetricFamily(string Name, string? Unit, string? Description, MetricKind Kind, IReadOnlyList<MetricPoint> Points);

/// <summary>One series: its attributes (in output order) and its value, or its histogram.</summary>
public sealed record MetricPoint(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, HistogramValue? Histogram = null);

/// <summary>
/// A histogram's state: <paramref name="Counts"/> has one entry per bucket, not cumulative, the last one for values
/// above the highest bound (Bounds.Count + 1 entries); a value equal to a bound is in that bound's bucket.
/// </summary>
public sealed record HistogramValue(IReadOnlyList<double> Bounds, IReadOnlyList<long> Counts, double Sum);
