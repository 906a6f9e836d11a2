using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace Presence.Sip.Benchmarks;

/// <summary>
/// A job sized for a 2-core machine: one process per benchmark, a short warm-up and 15 measured
/// iterations of about 250 ms each, so the whole suite runs in a few minutes and the error stays a few
/// percent of the mean. A job given on the command line (for example --job short) runs as well.
/// The median is shown beside the mean: on a shared machine a neighbour's burst of work moves the mean
/// of a short run more than the median.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(5)
            .WithIterationCount(15)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithId("Quick"));
        AddColumn(StatisticColumn.Median);
    }
}
