using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Presence.Server.Telemetry;

namespace Presence.Server.Tests.Telemetry;

/// <summary>The dashboard's reading of the instruments: the product's meter only, each attribute set its own series, histograms in their advised buckets.</summary>
public sealed class MetricsSnapshotTests
{
    [Fact]
    public void Counters_add_up_per_attribute_set_histograms_count_into_their_buckets_and_other_meters_are_left_out()
    {
        using var snapshot = new MetricsSnapshot();
        using var meter = new Meter(PresenceTelemetry.Name);
        using var other = new Meter("Somebody.Else");
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(PresenceTelemetry.Name, "Somebody.Else").AddReader(snapshot.Reader).Build();
        var requests = meter.CreateCounter<long>("sip.server.requests", "{request}");
        var delay = meter.CreateHistogram("presence.notify.delay", "s", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01] });
        long users = 3;
        meter.CreateObservableUpDownCounter("presence.users.active", () => users, "{user}");
        other.CreateCounter<long>("noise").Add(5);

        requests.Add(1, new("sip.method", "REGISTER"), new("sip.response.status_class", "2xx"));
        // The same attributes in another order are the same series.
        requests.Add(2, new("sip.response.status_class", "2xx"), new("sip.method", "REGISTER"));
        requests.Add(1, new("sip.method", "PUBLISH"), new("sip.response.status_class", "4xx"));
        delay.Record(0.0005);
        delay.Record(0.01);
        delay.Record(3);

        var families = snapshot.Collect().ToDictionary(f => f.Name);
        Assert.DoesNotContain("noise", families.Keys);
        var counted = families["sip.server.requests"];
        Assert.Equal(MetricKind.Counter, counted.Kind);
        Assert.Equal(3, counted.Points.Single(p => p.Labels.Contains(new("sip.method", "REGISTER"))).Value);
        Assert.Equal(1, counted.Points.Single(p => p.Labels.Contains(new("sip.method", "PUBLISH"))).Value);
        var histogram = Assert.Single(families["presence.notify.delay"].Points).Histogram!;
        Assert.Equal([0.001, 0.01], histogram.Bounds);
        // A value equal to a bound is in that bound's bucket; above the last bound, the last bucket.
        Assert.Equal([1L, 1L, 1L], histogram.Counts);
        Assert.Equal(3.0105, histogram.Sum, 6);
        Assert.Equal(MetricKind.Gauge, families["presence.users.active"].Kind);
        Assert.Equal(3, Assert.Single(families["presence.users.active"].Points).Value);

        // Cumulative: a later collection carries on from the earlier one; observables are read at each.
        users = 5;
        requests.Add(1, new("sip.method", "REGISTER"), new("sip.response.status_class", "2xx"));
        families = snapshot.Collect().ToDictionary(f => f.Name);
        Assert.Equal(4, families["sip.server.requests"].Points.Single(p => p.Labels.Contains(new("sip.method", "REGISTER"))).Value);
        Assert.Equal(5, Assert.Single(families["presence.users.active"].Points).Value);
    }
}
