using System.Diagnostics;
using System.Runtime;
using Presence.LoadGen.Drive;
using Presence.LoadGen.Measure;
using Presence.LoadGen.Report;
using Presence.LoadGen.Sip;
using Presence.LoadGen.Workloads;

namespace Presence.LoadGen;

/// <summary>
/// One run: open the sockets, check that a SIP server answers, set the workload up (the watchers' subscriptions),
/// drive the measured phase, wait for the NOTIFYs still owed (at most the notify timeout), and sum it all up.
/// </summary>
public static class LoadRun
{
    private static readonly TimeSpan s_pingTimeout = TimeSpan.FromSeconds(3);

    /// <exception cref="ArgumentException">The options are not valid (the message says which and why).</exception>
    /// <exception cref="InvalidOperationException">No server answers, or the setup did not finish in time.</exception>
    public static async Task<RunResult> RunAsync(LoadOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Resolve();
        if (options.Validate() is { } error)
            throw new ArgumentException(error, nameof(options));
        Workload workload = Workload.Create(options);
        var tracker = new ChangeTracker(workload.Groups);
        DateTimeOffset startedAt = DateTimeOffset.UtcNow;
        await using var pool = await EndpointPool.OpenAsync(options, workload.UserCount, tracker).ConfigureAwait(false);
        var context = new LoadContext(options, pool, tracker);
        await PingAsync(context).ConfigureAwait(false);

        TimeSpan setup;
        DriveSummary drive;
        long measuredFrom;
        TimeSpan paused;
        int gen2;
        await using (ProgressDisplay.Start(context, options.Progress).ConfigureAwait(false))
        {
            context.Phase = "setup";
            var clock = Stopwatch.StartNew();
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                limit.CancelAfter(options.SetupTimeout);
                try
                {
                    await workload.SetupAsync(context, limit.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new InvalidOperationException(
                        $"The setup did not finish within {options.SetupTimeout.TotalSeconds:0} s ({context.SetupStats.Succeeded:N0} of " +
                        $"{context.SetupStats.Sent:N0} SUBSCRIBEs done): lower --users/--watchers or raise --setup-timeout.");
                }
            }
            setup = clock.Elapsed;

            context.Phase = "measuring";
            // No blocking full collection of the load generator's heap (millions of dialogs in a seeded run) in the
            // middle of the measurement; what pauses remain are reported with the results.
            GCLatencyMode latencyMode = GCSettings.LatencyMode;
            GCSettings.LatencyMode = GCLatencyMode.SustainedLowLatency;
            TimeSpan pausedBefore = GC.GetTotalPauseDuration();
            int gen2Before = GC.CollectionCount(2);
            measuredFrom = Stopwatch.GetTimestamp();
            tracker.RecordFrom = measuredFrom + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
            drive = await LoadDriver.RunAsync(options, workload.MaxCount, i => workload.RunOneAsync(context, i), context.OnInternalError, cancellationToken)
                .ConfigureAwait(false);

            context.Phase = "waiting for the last NOTIFYs";
            var drain = Stopwatch.StartNew();
            while (tracker.OpenChanges > 0 && drain.Elapsed < options.NotifyTimeout && !cancellationToken.IsCancellationRequested)
                await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
            context.Phase = "done";
            paused = GC.GetTotalPauseDuration() - pausedBefore;
            gen2 = GC.CollectionCount(2) - gen2Before;
            GCSettings.LatencyMode = latencyMode;
        }
        return RunResultBuilder.Build(context, workload, drive, startedAt, setup, measuredFrom) with
        {
            LoadGenGcPauseMs = paused.TotalMilliseconds,
            LoadGenGen2Collections = gen2,
        };
    }

    private static async Task PingAsync(LoadContext context)
    {
        var ping = context.Client.PingAsync(context.Pool.Endpoints[0]);
        if (await Task.WhenAny(ping, Task.Delay(s_pingTimeout)).ConfigureAwait(false) != ping || ping.Result.Outcome != Presence.Sip.Transactions.ClientTransactionOutcome.Response)
        {
            throw new InvalidOperationException(
                $"No SIP server answers at {context.Options.Transport.ToString().ToLowerInvariant()}:{context.Options.Server} " +
                $"(OPTIONS unanswered for {s_pingTimeout.TotalSeconds:0} s): start it first.");
        }
    }
}
