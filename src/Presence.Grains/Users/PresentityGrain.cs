using System.Diagnostics;
using Orleans.Storage;
using Presence.Core.Persistence;
using Presence.Core.Presentity;
using Presence.Grains.Commands;
using Presence.Grains.Notify;
using Presence.Grains.Storage;

namespace Presence.Grains.Users;

/// <summary>
/// The grain of one user: Orleans' single activation of a <see cref="Presentity"/>. A turn runs the pure logic, writes
/// what changed through the grain storage (per-item rows, group commit) and waits for it to be durable, then hands
/// the turn's NOTIFYs to the nodes that hold the watchers' flows, and only then answers. So a watcher never hears of
/// a change that a crash could take back, and NOTIFYs of one user leave in the order of its turns. The same write
/// also marks the NOTIFYs as possibly unsent; the due timer clears that a moment later, and an activation that finds
/// the mark sends the document again: a crash in between costs a duplicate NOTIFY, never a change.
/// Due work (expiries, that mark) runs on a grain timer while the user is in memory; when it is not, the due
/// sweeper finds the time stored with the user's row and wakes it.
/// </summary>
[GrainType(GrainTypeName)]
public sealed partial class PresentityGrain(
    [PersistentState("presentity", ItemGrainStorage.Name)] IPersistentState<ItemizedState> state,
    PresentityGrainServices services) : Grain, IPresentityGrain
{
    public const string GrainTypeName = "presentity";

    private static readonly TimeSpan NoPeriod = Timeout.InfiniteTimeSpan;

    private Presentity _presentity = null!;
    private IGrainTimer? _dueTimer;
    private DateTimeOffset? _armedFor;
    private bool _stale;
    private Dictionary<IPresenceObserver, DateTimeOffset>? _followers;
    // This user's share of the silo's tally (added after each turn, taken back when it leaves memory).
    private int _countedSubscriptions, _countedBindings;

    private string Aor => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        services.Tally.Activated();
        // Orleans has read the stored rows; what Load finds to do (expiries while the user was away, the CSeq floor, a
        // document whose NOTIFYs a crash may have taken) is written and notified like any turn.
        Load();
        await RunAsync(static (_, _) => null, "activate");
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        services.Tally.Add(-_countedSubscriptions, -_countedBindings);
        services.Tally.Deactivated();
        _countedSubscriptions = _countedBindings = 0;
        return Task.CompletedTask;
    }

    public async Task<PresenceAnswer> Execute(PresenceCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return await RunAsync(command.Apply, command.Name) ?? PresenceAnswer.NotStored;
    }

    public Task<PresentitySnapshot> Read() =>
        Task.FromResult(PresentitySnapshot.Of(_presentity, services.Time.GetUtcNow(), GrainContext.Address.SiloAddress!.ToParsableString()));

    public Task NotifyFailed(string subscriptionId, int statusCode) => RunAsync((p, now) =>
    {
        p.OnNotifyResult(subscriptionId, statusCode, now);
        return null;
    }, "notify-result");

    public Task Wake() => DueAsync();

    public Task Follow(IPresenceObserver observer, TimeSpan lease)
    {
        ArgumentNullException.ThrowIfNull(observer);
        (_followers ??= [])[observer] = services.Time.GetUtcNow() + lease;
        return Task.CompletedTask;
    }

    public Task Unfollow(IPresenceObserver observer)
    {
        _followers?.Remove(observer);
        return Task.CompletedTask;
    }

    private void Load()
    {
        _presentity = Presentity.Load(
            Aor, state.State.Items.Select(i => (i.Kind, i.Key, i.Payload)), services.Time.GetUtcNow(), services.Options);
        // The presentity is the state from now on: the rows it was read from need not stay in memory too.
        state.State.Items = [];
        _stale = false;
    }

    private Task DueAsync() => RunAsync(static (p, now) =>
    {
        // Every earlier turn's NOTIFYs were handed over before that turn answered: the mark can go in this write.
        p.NotifiesSent();
        p.OnDue(now);
        return null;
    }, "due");

    /// <summary>
    /// One turn: the logic, its write (awaited: the answer waits for durability), its NOTIFYs, its changes to
    /// followers. Null when the write failed; the activation then reads the store again before its next turn.
    /// </summary>
    private async Task<PresenceAnswer?> RunAsync(Func<Presentity, DateTimeOffset, PresenceOutcome?> action, string what)
    {
        using var span = GrainActivities.StartTurn(Aor, what);
        if (_stale)
        {
            await state.ReadStateAsync();
            Load();
        }
        long turnAt = Stopwatch.GetTimestamp();
        DateTimeOffset now = services.Time.GetUtcNow();
        PresenceOutcome? outcome = action(_presentity, now);
        PresentityChanges changes = _presentity.TakeChanges();
        if (changes.HasWrites && !await CommitAsync(changes))
        {
            span?.SetStatus(ActivityStatusCode.Error);
            return null;
        }
        if (changes.Notifies.Count > 0)
            await DeliverAsync(changes, turnAt);
        if (changes.History.Count > 0)
            Publish(changes);
        UpdateTally();
        StartCalendarPoll(now);
        ArmDueTimer(now);
        AfterListTurn();
        return outcome is null ? PresenceAnswer.Ok : PresenceAnswer.From(outcome);
    }

    private async Task<bool> CommitAsync(PresentityChanges changes)
    {
        using var span = GrainActivities.StartCommit();
        state.State.Stage(
            [.. changes.Upserts.Select(u => new StoredItem(u.Kind, u.Key, u.Payload))],
            [.. changes.Deletes],
            [.. changes.History.Select(h => new HistoryRecord(h.At, PresentityItems.Serialize(h)))],
            _presentity.NextDueAt);
        try
        {
            await state.WriteStateAsync();
            return true;
        }
        catch (InconsistentStateException)
        {
            // Another activation of this user wrote first (a silo that had not let go): never apply over it. This one
            // leaves memory; calls meanwhile start from what the store holds.
            PresentityLog.WriteConflict(services.Logger, Aor);
            DeactivateOnIdle();
        }
        catch (Exception ex)
        {
            PresentityLog.WriteFailed(services.Logger, ex, Aor);
        }
        span?.SetStatus(ActivityStatusCode.Error);
        _stale = true;
        return false;
    }

    private async Task DeliverAsync(PresentityChanges changes, long turnAt)
    {
        var messages = new List<NotifyMessage>(changes.Notifies.Count);
        List<NotifyMessage>? toLists = null;
        foreach (var effect in changes.Notifies)
        {
            var message = NotifyMessage.From(effect);
            if (message.Edge is { } edge && edge.StartsWith(Presentity.ListEdgePrefix, StringComparison.Ordinal))
                (toLists ??= []).Add(message);
            else
                messages.Add(message);
        }
        bool delivered = true;
        try
        {
            if (messages.Count > 0)
                delivered = await services.Delivery.DeliverAsync(Aor, messages, turnAt);
            if (toLists is not null)
                delivered &= await DeliverToListsAsync(toLists);
        }
        catch (Exception ex)
        {
            PresentityLog.DeliveryFailed(services.Logger, ex, Aor);
            delivered = false;
        }
        // The change is stored with its unsent mark, and its due time is the mark's: leaving memory now (rather than
        // letting the due turn clear the mark) makes the sweeper bring the user back, and the activation sends again.
        if (!delivered)
            DeactivateOnIdle();
    }

    private void Publish(PresentityChanges changes)
    {
        foreach (var entry in changes.History)
            services.Changes.Changed(Aor, entry);
        if (_followers is not { Count: > 0 })
            return;
        DateTimeOffset now = services.Time.GetUtcNow();
        foreach (var (observer, until) in _followers.ToList())
        {
            if (until <= now)
            {
                _followers.Remove(observer);
                continue;
            }
            foreach (var entry in changes.History)
            {
                try
                {
                    observer.Changed(Aor, PresenceChange.From(entry));
                }
                catch (Exception ex)
                {
                    PresentityLog.FollowerFailed(services.Logger, ex, Aor);
                }
            }
        }
    }

    private void UpdateTally()
    {
        int subscriptions = _presentity.Subscriptions.Count, bindings = _presentity.Bindings.Count;
        if (subscriptions == _countedSubscriptions && bindings == _countedBindings)
            return;
        services.Tally.Add(subscriptions - _countedSubscriptions, bindings - _countedBindings);
        _countedSubscriptions = subscriptions;
        _countedBindings = bindings;
    }

    // The timer follows the user's next due time; it does not keep the grain in memory (the sweeper wakes it then).
    private void ArmDueTimer(DateTimeOffset now)
    {
        DateTimeOffset? due = _presentity.NextDueAt;
        if (due == _armedFor)
            return;
        _armedFor = due;
        TimeSpan dueIn = due is { } at ? Max(at - now, TimeSpan.Zero) : Timeout.InfiniteTimeSpan;
        if (_dueTimer is null)
        {
            if (due is null)
                return;
            _dueTimer = this.RegisterGrainTimer(static (grain, _) => grain.OnDueTimerAsync(), this,
                new GrainTimerCreationOptions(dueIn, NoPeriod) { KeepAlive = false, Interleave = false });
            return;
        }
        _dueTimer.Change(dueIn, NoPeriod);
    }

    private Task OnDueTimerAsync()
    {
        _armedFor = null;
        return DueAsync();
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
