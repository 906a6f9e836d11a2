namespace Presence.Storage.Benchmarks;

/// <summary>What one target did at one concurrency.</summary>
/// <param name="Writes">Writes that succeeded.</param>
/// <param name="Elapsed">From the first write's start to the last one's end.</param>
/// <param name="LatenciesMs">Each successful write's latency, sorted ascending.</param>
/// <param name="Errors">Failed writes, conflicts included, by exception type, each with the first message seen.</param>
/// <param name="Transactions">Transactions the provider committed for them, when it batches (null: one per write).</param>
public sealed record StepResult(
    string Target,
    int Concurrency,
    long Writes,
    TimeSpan Elapsed,
    double[] LatenciesMs,
    IReadOnlyDictionary<string, (long Count, string FirstMessage)> Errors,
    long? Transactions)
{
    public double WritesPerSecond => Elapsed > TimeSpan.Zero ? Writes / Elapsed.TotalSeconds : 0;

    public long ErrorCount => Errors.Values.Sum(e => e.Count);

    /// <summary>The nearest-rank percentile of the successful writes' latencies (NaN without any).</summary>
    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100 * LatenciesMs.Length);
        return LatenciesMs[Math.Clamp(rank - 1, 0, LatenciesMs.Length - 1)];
    }

    public double MaxMs => LatenciesMs.Length == 0 ? double.NaN : LatenciesMs[^1];

    /// <summary>Writes a transaction carried on average.</summary>
    public double WritesPerTransaction => Transactions is > 0 ? (double)Writes / Transactions.Value : 1;
}
