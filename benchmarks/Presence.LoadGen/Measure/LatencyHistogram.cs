using System.Diagnostics;
using System.Numerics;

namespace Presence.LoadGen.Measure;

/// <summary>
/// Latencies in microseconds, in log-linear buckets (the HdrHistogram idea): exact below 256 µs, then 128 buckets
/// per power of two, so any percentile is within 0.8 % of the true value. Recording is lock-free and allocation-free,
/// and percentiles can be read while recording goes on (for the live display).
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int ExactBuckets = 2 * SubBuckets;
    // 2^40 µs is twelve days: nothing a run can measure comes near it.
    private const long MaxValue = (1L << 40) - 1;
    private const int Shifts = 40 - SubBucketBits - 1;

    private readonly long[] _counts = new long[ExactBuckets + Shifts * SubBuckets];
    private long _count;
    private long _sum;
    private long _min = long.MaxValue;
    private long _max;

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Records the time from <paramref name="startTimestamp"/> to <paramref name="endTimestamp"/> (Stopwatch ticks).</summary>
    public void RecordTicks(long startTimestamp, long endTimestamp) =>
        Record(Math.Max(0, (endTimestamp - startTimestamp) * 1_000_000 / Stopwatch.Frequency));

    public void Record(long microseconds)
    {
        if (microseconds < 0)
            microseconds = 0;
        Interlocked.Increment(ref _counts[IndexOf(microseconds)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, microseconds);
        long seen;
        while (microseconds < (seen = Interlocked.Read(ref _min)) && Interlocked.CompareExchange(ref _min, microseconds, seen) != seen)
        {
        }
        while (microseconds > (seen = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, microseconds, seen) != seen)
        {
        }
    }

    /// <summary>The value (µs) at or below which <paramref name="quantile"/> of the recordings lie; 0 when empty.</summary>
    public double Percentile(double quantile)
    {
        long count = Count;
        if (count == 0)
            return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(quantile * count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
                return Math.Clamp(Midpoint(i), Interlocked.Read(ref _min), Interlocked.Read(ref _max));
        }
        return Interlocked.Read(ref _max);
    }

    public LatencyStats ToStats()
    {
        long count = Count;
        const double ms = 1000.0;
        return count == 0
            ? new LatencyStats(0, 0, 0, 0, 0, 0, 0, 0)
            : new LatencyStats(
                count,
                Interlocked.Read(ref _min) / ms,
                Interlocked.Read(ref _sum) / (double)count / ms,
                Percentile(0.50) / ms,
                Percentile(0.90) / ms,
                Percentile(0.99) / ms,
                Percentile(0.999) / ms,
                Interlocked.Read(ref _max) / ms);
    }

    // Values below 256 have a bucket each; above, the octave [2^e, 2^(e+1)) is cut into 128 equal buckets.
    private static int IndexOf(long value)
    {
        value = Math.Min(value, MaxValue);
        if (value < ExactBuckets)
            return (int)value;
        int exponent = 63 - BitOperations.LeadingZeroCount((ulong)value);
        int shift = exponent - SubBucketBits;
        long mantissa = value >> shift; // in [128, 256)
        return ExactBuckets + (shift - 1) * SubBuckets + (int)(mantissa - SubBuckets);
    }

    private static double Midpoint(int index)
    {
        if (index < ExactBuckets)
            return index;
        int shift = (index - ExactBuckets) / SubBuckets + 1;
        long mantissa = (index - ExactBuckets) % SubBuckets + SubBuckets;
        return (mantissa << shift) + ((1L << shift) - 1) / 2.0;
    }
}

/// <summary>Latency figures in milliseconds.</summary>
public sealed record LatencyStats(long Count, double MinMs, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs);
