using System.Diagnostics;
using System.Diagnostics.Metrics;
using Presence.Server.Telemetry;

namespace Presence.Server.Tests.Telemetry;

/// <summary>The MeterListener side of /metrics, on a meter of the test's own.</summary>
public sealed class PrometheusCollectorTests
{
    private static MetricFamily Family(PrometheusCollector collector, string name) =>
        Assert.Single(collector.Collect(), f => f.Name == name);

    private static double ValueOf(MetricFamily family, params string[] labels) =>
        Assert.Single(family.Points, p => p.Labels.Select(l => l.Key + "=" + l.Value).SequenceEqual(labels)).Value;

    [Fact]
    public void Counters_add_up_per_attribute_set_in_any_attribute_order()
    {
        using var meter = new Meter("Presence.Orleans.Test." + Guid.NewGuid());
        using var collector = new PrometheusCollector(meter);
        var counter = meter.CreateCounter<long>("requests", "{request}", "Requests.");

        counter.Add(1, new TagList { { "method", "PUBLISH" }, { "class", "2xx" } });
        counter.Add(2, new TagList { { "class", "2xx" }, { "method", "PUBLISH" } });
        counter.Add(5, new TagList { { "method", "REGISTER" }, { "class", "4xx" } });

        var family = Family(collector, "requests");
        Assert.Equal(MetricKind.Counter, family.Kind);
        Assert.Equal(2, family.Points.Count);
        Assert.Equal(3, ValueOf(family, "class=2xx", "method=PUBLISH"));
        Assert.Equal(5, ValueOf(family, "class=4xx", "method=REGISTER"));
    }

    [Fact]
    public void Histograms_count_into_the_advised_buckets_a_bound_itself_included()
    {
        using var meter = new Meter("Presence.Orleans.Test." + Guid.NewGuid());
        using var collector = new PrometheusCollector(meter);
        var histogram = meter.CreateHistogram("delay", "s", "Delay.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.1, 1] });

        foreach (double value in new[] { 0.001, 0.01, 0.05, 0.5, 7 })
            histogram.Record(value);

        var point = Assert.Single(Family(collector, "delay").Points);
        Assert.Equal([0.01, 0.1, 1], point.Histogram!.Bounds);
        Assert.Equal([2L, 1, 1, 1], point.Histogram.Counts);
        Assert.Equal(7.561, point.Histogram.Sum, 9);
        Assert.Contains("delay_seconds_bucket{le=\"0.1\"} 3\n", collector.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Observable_instruments_are_read_at_each_collection_and_a_vanished_series_goes()
    {
        using var meter = new Meter("Presence.Orleans.Test." + Guid.NewGuid());
        using var collector = new PrometheusCollector(meter);
        long total = 10;
        bool both = true;
        meter.CreateObservableCounter("sent", () => total, "{notify}");
        meter.CreateObservableUpDownCounter("connections", () => both
            ? new[] { new Measurement<long>(2, new KeyValuePair<string, object?>("transport", "tcp")), new Measurement<long>(1, new KeyValuePair<string, object?>("transport", "tls")) }
            : [new Measurement<long>(4, new KeyValuePair<string, object?>("transport", "tcp"))]);

        Assert.Equal(10, ValueOf(Family(collector, "sent")));
        Assert.Equal(2, Family(collector, "connections").Points.Count);

        total = 12;
        both = false;
        Assert.Equal(12, ValueOf(Family(collector, "sent")));
        var connections = Family(collector, "connections");
        Assert.Equal(MetricKind.Gauge, connections.Kind);
        Assert.Equal(4, ValueOf(connections, "transport=tcp"));
        Assert.Single(connections.Points);
    }

    [Fact]
    public void Only_its_own_meter_is_collected()
    {
        using var meter = new Meter("Presence.Orleans.Test." + Guid.NewGuid());
        using var other = new Meter("Someone.Else");
        using var collector = new PrometheusCollector(meter);
        meter.CreateCounter<int>("mine").Add(1);
        other.CreateCounter<int>("theirs").Add(1);

        Assert.Equal(["mine"], collector.Collect().Select(f => f.Name));
    }

    [Fact]
    public void Concurrent_recording_loses_nothing()
    {
        using var meter = new Meter("Presence.Orleans.Test." + Guid.NewGuid());
        using var collector = new PrometheusCollector(meter);
        var counter = meter.CreateCounter<long>("hits");
        var histogram = meter.CreateHistogram<double>("size", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1] });

        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                counter.Add(1, new KeyValuePair<string, object?>("k", "v"));
                histogram.Record(0.5);
            }
        });

        Assert.Equal(80_000, ValueOf(Family(collector, "hits"), "k=v"));
        var point = Assert.Single(Family(collector, "size").Points);
        Assert.Equal(80_000, point.Histogram!.Counts.Sum());
        Assert.Equal(40_000, point.Histogram.Sum);
    }

    [Fact]
    public void Recording_allocates_nothing_once_a_series_exists()
    {
        using var meter = new Meter("Presence.Orleans.Test." + Guid.NewGuid());
        using var collector = new PrometheusCollector(meter);
        var counter = meter.CreateCounter<long>("requests");
        var histogram = meter.CreateHistogram("delay", "s", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01, 0.1] });
        void Record()
        {
            counter.Add(1, new TagList { { "sip.method", "PUBLISH" }, { "sip.response.status_class", "2xx" } });
            histogram.Record(0.004);
        }
        Record();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
            Record();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1001, ValueOf(Family(collector, "requests"), "sip.method=PUBLISH", "sip.response.status_class=2xx"));
    }
}
