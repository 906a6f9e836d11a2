using Microsoft.Extensions.Options;
using Presence.Grains.Storage;
using Presence.Grains.Users;

namespace Presence.Grains.Due;

/// <summary>The sweeper of one grain type's due work (its key is the grain type, "presentity").</summary>
public interface IDueSweeperGrain : IGrainWithStringKey
{
    /// <summary>Activates the sweeper if it is not active (each core silo calls it at start and then every few seconds).</summary>
    Task Start();
}

/// <summary>
/// Wakes the users whose next expiry has come while they are not in memory. Every write of a user stores its next
/// due time with its row (no extra write); the sweeper asks the store every <see cref="DueSweepOptions.Interval"/> for
/// the users due longer than <see cref="DueSweepOptions.Grace"/> ago, which are the ones no grain timer is watching,
/// and calls each (<see cref="IPresentityGrain.Wake"/>): Orleans activates it wherever it places users, and its
/// due turn writes the next due time, so it is not found again. One sweeper for the cluster, kept alive by an Orleans
/// reminder (Reminders.AdoNet in a cluster), so it survives the death of its silo; this is what "a reminder per user"
/// would cost a write per change to get, for one query every half second.
/// </summary>
[GrainType("due-sweeper")]
public sealed class DueSweeperGrain(
    IGrainStore store, IOptions<DueSweepOptions> options, TimeProvider time, Microsoft.Extensions.Logging.ILogger<DueSweeperGrain> logger)
    : Grain, IDueSweeperGrain, IRemindable
{
    private const string KeepAliveReminder = "keep-alive";

    private readonly DueSweepOptions _options = options.Value;
    private bool _reminderRegistered;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(static (sweeper, ct) => sweeper.SweepAsync(ct), this,
            new GrainTimerCreationOptions(TimeSpan.Zero, _options.Interval) { KeepAlive = true });
        await RegisterReminderAsync();
    }

    // The reminder is the durable backstop, not what sweeps: when the reminder service cannot take it now (its range is
    // moving after a silo died), the sweeper sweeps all the same and the next keep-alive call tries again.
    public Task Start() => _reminderRegistered ? Task.CompletedTask : RegisterReminderAsync();

    private async Task RegisterReminderAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(KeepAliveReminder, _options.ReminderPeriod, _options.ReminderPeriod);
            _reminderRegistered = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            PresentityLog.ReminderNotRegistered(logger, ex, this.GetPrimaryKeyString());
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    private async Task SweepAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var due = await store.ReadDueAsync(this.GetPrimaryKeyString(), time.GetUtcNow() - _options.Grace, _options.BatchSize, ct);
                if (due.Count == 0)
                    return;
                await WakeAllAsync(due);
                PresentityLog.Swept(logger, due.Count);
                // A full batch means more are waiting (a backlog after downtime): go on without waiting for the next tick.
                if (due.Count < _options.BatchSize)
                    return;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            PresentityLog.SweepFailed(logger, ex, this.GetPrimaryKeyString(), _options.Interval);
        }
    }

    private async Task WakeAllAsync(IReadOnlyList<(string GrainKey, DateTimeOffset DueAt)> due)
    {
        var inFlight = new List<Task>(_options.MaxConcurrentWakes);
        foreach (var (key, _) in due)
        {
            inFlight.Add(WakeAsync(key));
            if (inFlight.Count >= _options.MaxConcurrentWakes)
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
            }
        }
        await Task.WhenAll(inFlight);
    }

    private async Task WakeAsync(string key)
    {
        try
        {
            await GrainFactory.GetGrain<IPresentityGrain>(key).Wake();
        }
        catch (Exception ex)
        {
            PresentityLog.WakeFailed(logger, ex, key);
        }
    }
}
