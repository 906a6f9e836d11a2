using System.Diagnostics;
using Presence.LoadGen.Measure;

namespace Presence.LoadGen.Drive;

/// <summary>
/// What the measured phase did: operations started, those skipped, and how long it ran (open loop: the sending time;
/// closed loop: until the last worker's last change was delivered).
/// </summary>
internal sealed record DriveSummary(long Started, long Skipped, TimeSpan Elapsed);

/// <summary>
/// Paces the measured phase. Open loop: operations start at the target rate whatever the server's pace (a slow server
/// builds a backlog, as real clients would), up to <see cref="LoadOptions.MaxInFlight"/>. Closed loop: a fixed number
/// of workers, each starting its next operation when the previous change's last NOTIFY came (or it timed out). Both
/// stop at the duration or the count, whichever comes first, then wait for what is in flight.
/// </summary>
internal static class LoadDriver
{
    /// <param name="operation">Sends one change and returns once its request has a final response; null when there
    /// is nothing to wait for (skipped, failed, or no NOTIFY owed).</param>
    public static Task<DriveSummary> RunAsync(
        LoadOptions options, long count, Func<long, Task<Change?>> operation, Action<Exception> onError, CancellationToken cancellationToken) =>
        options.Rate is double rate
            ? RunOpenLoopAsync(rate, options, count, operation, onError, cancellationToken)
            : RunClosedLoopAsync(options.Concurrency ?? 1, options, count, operation, onError, cancellationToken);

    private static async Task<DriveSummary> RunOpenLoopAsync(
        double rate, LoadOptions options, long count, Func<long, Task<Change?>> operation, Action<Exception> onError, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var inFlight = new InFlight();
        long issued = 0, skipped = 0;
        while (!cancellationToken.IsCancellationRequested && issued < count)
        {
            TimeSpan elapsed = clock.Elapsed;
            if (elapsed >= options.Duration)
                break;
            // Everything due by now starts now: a late wake-up catches up instead of lowering the rate.
            long due = Math.Min(count, (long)(elapsed.TotalSeconds * rate) + 1);
            for (; issued < due; issued++)
            {
                if (inFlight.Count >= options.MaxInFlight)
                {
                    skipped++;
                    continue;
                }
                inFlight.Enter();
                _ = RunOneAsync(operation, issued, onError, inFlight);
            }
            // Sleep until the next one is due, but never past the end of the phase (a slow rate would overshoot it).
            TimeSpan now = clock.Elapsed;
            TimeSpan wait = TimeSpan.FromSeconds(issued / rate) - now;
            if (wait > options.Duration - now)
                wait = options.Duration - now;
            await Task.Delay(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1), CancellationToken.None).ConfigureAwait(false);
        }
        TimeSpan sent = clock.Elapsed;
        await inFlight.WaitIdleAsync().ConfigureAwait(false);
        return new DriveSummary(issued - skipped, skipped, sent < options.Duration ? sent : options.Duration);
    }

    private static async Task<DriveSummary> RunClosedLoopAsync(
        int concurrency, LoadOptions options, long count, Func<long, Task<Change?>> operation, Action<Exception> onError, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long next = -1, started = 0;
        async Task WorkerAsync()
        {
            while (!cancellationToken.IsCancellationRequested && clock.Elapsed < options.Duration)
            {
                long index = Interlocked.Increment(ref next);
                if (index >= count)
                    break;
                Interlocked.Increment(ref started);
                try
                {
                    if (await operation(index).ConfigureAwait(false) is { } change)
                        await WaitAsync(change, options.NotifyTimeout).ConfigureAwait(false);
                    else
                        // Skipped (every user of the size busy) or failed: without a pause, a worker with nothing to
                        // wait for spins and takes the cores from the server it measures (seen: 8 users, 16 in flight,
                        // PUBLISHes answered after 3 to 10 s).
                        await Task.Delay(1, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    onError(ex);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkerAsync, CancellationToken.None))).ConfigureAwait(false);
        // The workers' last operations are part of the phase: a storm is over when its last change is delivered.
        return new DriveSummary(started, 0, clock.Elapsed);
    }

    private static async Task RunOneAsync(Func<long, Task<Change?>> operation, long index, Action<Exception> onError, InFlight inFlight)
    {
        try
        {
            await operation(index).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            onError(ex);
        }
        finally
        {
            inFlight.Exit();
        }
    }

    private static async Task WaitAsync(Change change, TimeSpan timeout)
    {
        try
        {
            await change.Completion.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Counted as missing NOTIFYs at the end; the worker goes on.
        }
    }

    /// <summary>Operations started and not finished, and a way to wait until there are none.</summary>
    private sealed class InFlight
    {
        private readonly object _gate = new();
        private TaskCompletionSource? _idle;
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Enter() => Interlocked.Increment(ref _count);

        public void Exit()
        {
            if (Interlocked.Decrement(ref _count) != 0)
                return;
            lock (_gate)
                _idle?.TrySetResult();
        }

        public Task WaitIdleAsync()
        {
            lock (_gate)
            {
                if (Count == 0)
                    return Task.CompletedTask;
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return _idle.Task;
            }
        }
    }
}
