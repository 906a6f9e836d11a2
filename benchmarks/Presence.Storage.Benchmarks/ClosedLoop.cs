using System.Diagnostics;
using Orleans.Storage;

namespace Presence.Storage.Benchmarks;

/// <summary>
/// The load: N grains, each a writer that awaits its own write before it starts the next (a non-reentrant grain),
/// for a fixed time and at most a fixed number of writes in all, whichever comes first.
/// </summary>
public static class ClosedLoop
{
    /// <param name="acknowledged">Per grain, writes that returned without an exception; this step's are added.</param>
    public static async Task<StepResult> RunAsync(
        StorageTarget target, int concurrency, int items, TimeSpan duration, long maxWrites, long[] acknowledged, CancellationToken ct)
    {
        var writers = new GrainWriter[concurrency];
        for (var grain = 0; grain < concurrency; grain++)
        {
            writers[grain] = target.CreateWriter(grain, items);
        }

        // As each grain's activation would: one read, which gives the etag its first write sends.
        await Task.WhenAll(writers.Select(w => w.ReadAsync())).ConfigureAwait(false);

        var budget = new Budget(maxWrites);
        var transactionsBefore = target.Transactions;
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var loops = writers.Select(w => Task.Run(() => WriteLoopAsync(w, deadline, budget, ct), ct)).ToArray();
        var outcomes = await Task.WhenAll(loops).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var transactions = target.Transactions - transactionsBefore;

        for (var grain = 0; grain < concurrency; grain++)
        {
            acknowledged[grain] += outcomes[grain].Latencies.Count;
        }

        var latencies = new double[outcomes.Sum(o => o.Latencies.Count)];
        var at = 0;
        foreach (var outcome in outcomes)
        {
            foreach (var ticks in outcome.Latencies)
            {
                latencies[at++] = ticks * 1000.0 / Stopwatch.Frequency;
            }
        }

        Array.Sort(latencies);
        var errors = new Dictionary<string, (long Count, string FirstMessage)>();
        foreach (var (type, (count, message)) in outcomes.SelectMany(o => o.Errors))
        {
            errors[type] = errors.TryGetValue(type, out var seen) ? (seen.Count + count, seen.FirstMessage) : (count, message);
        }

        return new StepResult(target.Name, concurrency, latencies.Length, elapsed, latencies, errors, transactions);
    }

    private static async Task<Outcome> WriteLoopAsync(GrainWriter writer, long deadline, Budget budget, CancellationToken ct)
    {
        var outcome = new Outcome();
        while (!ct.IsCancellationRequested && Stopwatch.GetTimestamp() < deadline && budget.TryTake())
        {
            writer.StageNext();
            var started = Stopwatch.GetTimestamp();
            try
            {
                await writer.WriteAsync().ConfigureAwait(false);
                outcome.Latencies.Add(Stopwatch.GetTimestamp() - started);
            }
            catch (Exception exception)
            {
                outcome.Failed(exception);
                if (exception is InconsistentStateException)
                {
                    // What Orleans does with such a grain: a new activation, which reads the state again.
                    try
                    {
                        await writer.ReadAsync().ConfigureAwait(false);
                    }
                    catch (Exception readFailure)
                    {
                        outcome.Failed(readFailure);
                    }
                }
            }
        }

        return outcome;
    }

    private sealed class Budget(long max)
    {
        private long _taken;

        public bool TryTake() => Interlocked.Increment(ref _taken) <= max;
    }

    private sealed class Outcome
    {
        public List<long> Latencies { get; } = new(4096);

        public Dictionary<string, (long Count, string FirstMessage)> Errors { get; } = [];

        public void Failed(Exception exception)
        {
            var type = exception.GetType().Name;
            Errors[type] = Errors.TryGetValue(type, out var seen) ? (seen.Count + 1, seen.FirstMessage) : (1, exception.Message);
        }
    }
}
