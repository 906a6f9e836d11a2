using Presence.LoadGen.Measure;

namespace Presence.Server.Tests;

/// <summary>The load generator's latency histogram: its percentiles are what the benchmark reports.</summary>
public sealed class LoadGenHistogramTests
{
    [Fact]
    public void Percentiles_are_within_a_percent_of_the_exact_ones()
    {
        var histogram = new LatencyHistogram();
        var values = new List<long>();
        var random = new Random(3);
        for (int i = 0; i < 100_000; i++)
        {
            // Microseconds to tens of seconds, log-uniform, as latencies are.
            long value = (long)Math.Pow(10, random.NextDouble() * 7.5);
            values.Add(value);
            histogram.Record(value);
        }
        values.Sort();
        foreach (double q in new[] { 0.5, 0.9, 0.99, 0.999 })
        {
            long exact = values[(int)Math.Ceiling(q * values.Count) - 1];
            double read = histogram.Percentile(q);
            Assert.InRange(read, exact * 0.99 - 1, exact * 1.01 + 1);
        }
        Assert.Equal(values.Count, histogram.Count);
        Assert.Equal(values[^1] / 1000.0, histogram.ToStats().MaxMs);
        Assert.Equal(values[0] / 1000.0, histogram.ToStats().MinMs);
    }

    [Fact]
    public void Small_values_are_exact_and_an_empty_histogram_reads_zero()
    {
        var histogram = new LatencyHistogram();
        Assert.Equal(0, histogram.Percentile(0.99));
        Assert.Equal(0, histogram.ToStats().Count);
        foreach (long v in new long[] { 3, 7, 7, 200, 255 })
            histogram.Record(v);
        Assert.Equal(7, histogram.Percentile(0.5));
        Assert.Equal(255, histogram.Percentile(1.0));
        Assert.Equal(3, histogram.Percentile(0.0001));
    }
}
