using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Presence.Server.Telemetry;

/// <summary>
/// The dashboard's reading of the instruments: one more reader on the same OpenTelemetry meter provider that serves
/// /metrics and OTLP, collected only when the dashboard asks (each poll, at most once a second), into
/// <see cref="MetricFamily"/> values named as OpenTelemetry names them ("sip.server.requests", attributes
/// "sip.method"). So the dashboard and Prometheus count the same things, and a server nobody watches does no work here.
/// </summary>
public sealed class MetricsSnapshot : IDisposable
{
    private readonly FamilyExporter _exporter = new();
    private readonly Lock _collect = new();

    public MetricsSnapshot()
    {
        Reader = new BaseExportingMetricReader(_exporter) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative };
    }

    /// <summary>The reader to add to the meter provider.</summary>
    public MetricReader Reader { get; }

    /// <summary>Every family of the product's meter with its series now (observable instruments read at this call).</summary>
    public IReadOnlyList<MetricFamily> Collect()
    {
        lock (_collect)
        {
            _exporter.Families = [];
            Reader.Collect();
            return _exporter.Families;
        }
    }

    public void Dispose() => Reader.Dispose();

    private sealed class FamilyExporter : BaseExporter<Metric>
    {
        public List<MetricFamily> Families { get; set; } = [];

        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                // Only the product's own instruments: Orleans' go to /metrics and OTLP, not to the dashboard.
                if (metric.MeterName != PresenceTelemetry.Name)
                    continue;
                Families.Add(ToFamily(metric));
            }
            Families.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            return ExportResult.Success;
        }

        private static MetricFamily ToFamily(Metric metric)
        {
            var points = new List<MetricPoint>();
            var kind = metric.MetricType switch
            {
                MetricType.LongSum or MetricType.DoubleSum => MetricKind.Counter,
                MetricType.Histogram => MetricKind.Histogram,
                _ => MetricKind.Gauge,
            };
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var labels = new List<KeyValuePair<string, string>>();
                foreach (var tag in point.Tags)
                    labels.Add(new(tag.Key, Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty));
                labels.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
                switch (metric.MetricType)
                {
                    case MetricType.Histogram:
                        var bounds = new List<double>();
                        var counts = new List<long>();
                        foreach (var bucket in point.GetHistogramBuckets())
                        {
                            if (!double.IsPositiveInfinity(bucket.ExplicitBound))
                                bounds.Add(bucket.ExplicitBound);
                            counts.Add(bucket.BucketCount);
                        }
                        points.Add(new MetricPoint(labels, point.GetHistogramSum(), new HistogramValue(bounds, counts, point.GetHistogramSum())));
                        break;
                    case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                        points.Add(new MetricPoint(labels, point.GetSumLong()));
                        break;
                    case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                        points.Add(new MetricPoint(labels, point.GetSumDouble()));
                        break;
                    case MetricType.LongGauge:
                        points.Add(new MetricPoint(labels, point.GetGaugeLastValueLong()));
                        break;
                    case MetricType.DoubleGauge:
                        points.Add(new MetricPoint(labels, point.GetGaugeLastValueDouble()));
                        break;
                }
            }
            return new MetricFamily(metric.Name, metric.Unit, metric.Description, kind, points);
        }
    }
}
