using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Presence.Cluster.Runtime;
using Presence.Cluster.Storage;
using Presence.Core.Persistence;
using Presence.Core.Presentity;

namespace Presence.Server.Presence;

/// <summary>What one turn produced: the answer, and a task that completes once its changes are durable
/// (false when the write failed: the request must then fail too).</summary>
public sealed record TurnResult(PresenceOutcome? Outcome, Task<bool> Durable);

/// <summary>
/// The grain of one user: the runtime's single owner of a <see cref="Presentity"/>. A turn runs the pure logic,
/// hands the changes to the group committer without waiting for the disk, and returns; the caller answers once
/// the write is durable. NOTIFYs leave in turn order, each after its own write, so a watcher never hears of a
/// change that a crash could take back, and CSeq order on the wire is the order they were numbered in. A change's
/// write also says that its NOTIFYs may not have left; the reminder's turn a moment later clears that once they
/// have, and a load that finds it sends the document again: a crash in between costs a duplicate, not a change.
/// </summary>
public sealed class PresentityGrain : IGrain
{
    public const string GrainType = "presentity";

    private readonly PresenceGrainServices _services;
    private Presentity _presentity;
    private long _version;
    private bool _broken;
    private Task _effects = Task.CompletedTask;
    // This grain's share of the tally of subscriptions and bindings (added after each turn, taken back when it goes).
    private int _countedSubscriptions, _countedBindings;

    internal PresentityGrain(string aor, Presentity presentity, long version, PresenceGrainServices services)
    {
        Key = aor;
        _presentity = presentity;
        _version = version;
        _services = services;
    }

    public string Key { get; }

    public DateTimeOffset? NextDueAt => _presentity.NextDueAt;

    // A marker still stored would bring the user back at once, only to send its watchers the document again.
    public bool CanDeactivate => _effects.IsCompleted && !_presentity.HasUnsentNotifies;

    /// <summary>Runs one piece of presence logic as this grain's turn.</summary>
    /// <param name="parent">The span of the request that asked for the turn (none for expiry work).</param>
    public async ValueTask<TurnResult> RunAsync(
        Func<Presentity, DateTimeOffset, PresenceOutcome?> action, Task? responded = null, CancellationToken ct = default,
        ActivityContext parent = default)
    {
        using var span = Telemetry.PresenceActivities.StartTurn(parent, Key);
        if (_broken)
            await ReloadAsync(ct).ConfigureAwait(false);
        long turnAt = Stopwatch.GetTimestamp();
        DateTimeOffset now = _services.Time.GetUtcNow();
        PresenceOutcome? outcome = action(_presentity, now);
        PresentityChanges changes = _presentity.TakeChanges();
        Task<bool> durable = changes.HasWrites ? CommitAsync(changes, span?.Context ?? default) : Task.FromResult(true);
        if (changes.Notifies.Count > 0 || changes.History.Count > 0)
            _effects = DispatchAsync(_effects, durable, responded ?? Task.CompletedTask, changes, turnAt, span?.Context ?? default);
        UpdateTally();
        return new TurnResult(outcome, durable);
    }

    /// <summary>Leaving memory: the gauges stop counting what this user holds.</summary>
    public void OnDeactivated()
    {
        _services.Tally.Add(-_countedSubscriptions, -_countedBindings);
        _countedSubscriptions = _countedBindings = 0;
    }

    private void UpdateTally()
    {
        int subscriptions = _presentity.Subscriptions.Count, bindings = _presentity.Bindings.Count;
        if (subscriptions == _countedSubscriptions && bindings == _countedBindings)
            return;
        _services.Tally.Add(subscriptions - _countedSubscriptions, bindings - _countedBindings);
        _countedSubscriptions = subscriptions;
        _countedBindings = bindings;
    }

    /// <summary>Reads without changing anything (the HTTP API's views).</summary>
    public T Peek<T>(Func<Presentity, DateTimeOffset, T> read) => read(_presentity, _services.Time.GetUtcNow());

    public async ValueTask OnDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var result = await RunAsync((p, at) =>
        {
            // Every earlier turn's NOTIFYs have gone to the sender (read after a reload, which starts sending again):
            // the marker that brought the reminder here can go, in this turn's write.
            if (_effects.IsCompleted)
                p.NotifiesSent();
            p.OnDue(at);
            return null;
        }, ct: ct).ConfigureAwait(false);
        await result.Durable.ConfigureAwait(false);
    }

    /// <summary>A NOTIFY's outcome came back (RFC 6665 §4.2.2): a dead watcher is removed.</summary>
    public ValueTask<TurnResult> OnNotifyResultAsync(string subscriptionId, int statusCode) =>
        RunAsync((p, now) =>
        {
            p.OnNotifyResult(subscriptionId, statusCode, now);
            return null;
        });

    internal static GrainWrite ToWrite(string aor, long expectedVersion, PresentityChanges changes, DateTimeOffset? nextDue) => new(
        GrainType, aor, expectedVersion,
        changes.Upserts.Select(u => new StoredItem(u.Kind, u.Key, u.Payload)).ToList(),
        changes.Deletes.ToList(),
        nextDue,
        changes.History.Select(h => new HistoryRecord(h.At, PresentityItems.Serialize(h))).ToList());

    private Task<bool> CommitAsync(PresentityChanges changes, ActivityContext turn = default)
    {
        long expected = _version;
        _version = expected + 1;
        return CommitCoreAsync(ToWrite(Key, expected, changes, _presentity.NextDueAt), turn);
    }

    private async Task<bool> CommitCoreAsync(GrainWrite write, ActivityContext turn)
    {
        using var span = Telemetry.PresenceActivities.StartCommit(turn);
        try
        {
            WriteResult result = await _services.Committer.CommitAsync(write).ConfigureAwait(false);
            span?.SetTag(Telemetry.PresenceTelemetry.Attributes.CommitResult, result.Status == WriteStatus.Committed ? "committed" : "conflict");
            if (result.Status == WriteStatus.Committed)
                return true;
            // Someone else wrote this user (a second owner, or a write that failed before): never apply over
            // it; the next turn re-reads the stored state.
            PresenceLog.WriteConflict(_services.Logger, Key, write.ExpectedVersion);
        }
        catch (Exception ex)
        {
            span?.SetTag(Telemetry.PresenceTelemetry.Attributes.CommitResult, "failed");
            PresenceLog.WriteFailed(_services.Logger, ex, Key);
        }
        span?.SetStatus(ActivityStatusCode.Error);
        _broken = true;
        return false;
    }

    private async Task DispatchAsync(
        Task previous, Task<bool> durable, Task responded, PresentityChanges changes, long turnAt = 0, ActivityContext turn = default)
    {
        await previous.ConfigureAwait(false);
        if (!await durable.ConfigureAwait(false))
            return;
        // The response to the request that caused these goes first (a SUBSCRIBE's 200 before its NOTIFY).
        await Task.WhenAny(responded, Task.Delay(TimeSpan.FromSeconds(2), _services.Time)).ConfigureAwait(false);
        foreach (var notify in changes.Notifies)
        {
            // One NOTIFY that cannot be built or sent must not cost the other watchers theirs.
            try
            {
                _services.Notifier.Send(Key, notify, turnAt, turn);
            }
            catch (Exception ex)
            {
                PresenceLog.NotifySendFailed(_services.Logger, ex, Key, notify.Subscription.WatcherUri);
            }
        }
        foreach (var entry in changes.History)
            _services.Feed.Publish(Key, entry);
    }

    private async Task ReloadAsync(CancellationToken ct)
    {
        await _effects.ConfigureAwait(false);
        var snapshot = await _services.Store.ReadAsync(GrainType, Key, ct).ConfigureAwait(false);
        _version = snapshot?.Version ?? 0;
        _presentity = Presentity.Load(
            Key, snapshot?.Items.Select(i => (i.Kind, i.Key, i.Payload)) ?? [], _services.Time.GetUtcNow(), _services.Options);
        _broken = false;
        var changes = _presentity.TakeChanges();
        if (changes.HasWrites)
        {
            var durable = CommitAsync(changes);
            _effects = DispatchAsync(_effects, durable, Task.CompletedTask, changes, Stopwatch.GetTimestamp());
        }
    }
}
