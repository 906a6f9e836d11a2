using Microsoft.Extensions.Logging;
using Presence.Cluster.Storage;

namespace Presence.Cluster.Runtime;

/// <summary>
/// Orleans' reminders, reduced to one query: every interval, ask the store which grains of the type are
/// due before the next poll, and wake them. An active grain's own timer is exact; this is what keeps an
/// inactive grain (deactivated when idle, or never activated since the process started) on time.
/// </summary>
internal sealed class ReminderPoller(
    IGrainStore store, string grainType, GrainRuntimeOptions options, TimeProvider time, ILogger logger, Action<string> wake)
{
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _pollNow = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;

    /// <summary>Runs a poll at once instead of at the next interval (requests while one is pending merge).</summary>
    public void PollNow() => Volatile.Read(ref _pollNow).TrySetResult();

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            // The first poll runs at once: what fell due while no process ran is acted on at start.
            while (true)
            {
                // A new signal before the poll: a PollNow that arrives during it asks for another one.
                var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _pollNow, signal);
                await PollAsync(ct).ConfigureAwait(false);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                await Task.WhenAny(signal.Task, Task.Delay(options.ReminderPollInterval, time, wait.Token)).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task PollAsync(CancellationToken ct)
    {
        try
        {
            // Due before the next poll, not just now: a grain woken early arms its own exact timer, so an
            // expiry lands on time instead of up to one interval late.
            var horizon = time.GetUtcNow() + options.ReminderPollInterval;
            var due = await store.ReadDueAsync(grainType, horizon, options.ReminderBatchSize, ct).ConfigureAwait(false);
            foreach (var (key, _) in due)
            {
                wake(key);
            }

            if (due.Count == options.ReminderBatchSize)
            {
                RuntimeLog.PollPageFull(logger, grainType, due.Count);
            }
        }
        catch (Exception exception) when (!ct.IsCancellationRequested)
        {
            // The next poll tries again; a store that is down for a while delays expiries, it does not lose them.
            RuntimeLog.PollFailed(logger, exception, grainType);
        }
    }
}
