namespace Presence.Cluster.Runtime;

/// <summary>A grain's life on the worker besides its turns: due timers, waking by the poller, idle deactivation.</summary>
internal sealed partial class PartitionWorker<TGrain>
{
    // Re-read after every successful turn: the turn may have changed what expires next.
    private void ScheduleDue(GrainSlot<TGrain> slot, bool afterDueTurn, DateTimeOffset startedAt)
    {
        if (slot.Grain.NextDueAt is not { } dueAt)
        {
            slot.ScheduledDueAt = null;
            return;
        }

        if (afterDueTurn && dueAt <= startedAt)
        {
            // The expiry work did not move the due time on (it could not persist, say): try again a poll
            // interval later instead of at once, forever.
            slot.StuckDueAt = dueAt;
            dueAt = _time.GetUtcNow() + _options.ReminderPollInterval;
        }
        else if (slot.StuckDueAt == dueAt)
        {
            // Other turns since have not moved it either; the retry already armed stands.
            return;
        }
        else
        {
            slot.StuckDueAt = null;
        }

        if (slot.ScheduledDueAt != dueAt)
        {
            _schedule.Schedule(slot, dueAt, _slots.Count);
        }
    }

    private void FireDue()
    {
        _scratch.Clear();
        _schedule.TakeDue(_time.GetUtcNow(), _scratch);
        foreach (var slot in _scratch)
        {
            // A stopping runtime starts no expiry work; the persisted due time brings it back after a restart.
            if (slot.IsDueQueued || !_tracker.TryBegin(fromInsideTurn: false))
            {
                continue;
            }

            slot.IsDueQueued = true;
            Enqueue(slot, DueTurn<TGrain>.Instance);
        }

        _scratch.Clear();
    }

    private void Wake(string key)
    {
        // An active grain keeps its own timer, and a slot that exists at all is about to activate.
        if (_slots.ContainsKey(key) || !_tracker.TryBegin(fromInsideTurn: false))
        {
            return;
        }

        Enqueue(SlotFor(key), WakeTurn<TGrain>.Instance);
    }

    private void SweepIdle()
    {
        var now = _time.GetTimestamp();
        _scratch.Clear();
        foreach (var slot in _slots.Values)
        {
            if (slot.IsActive && !slot.IsRunning && slot.Pending.Count == 0
                && _time.GetElapsedTime(slot.LastTurnEnded, now) >= _options.IdleTimeout
                && CanDeactivate(slot))
            {
                _scratch.Add(slot);
            }
        }

        // Nothing is lost: the grain's state and next due time are in the store, and the reminder poller
        // wakes it when that time comes.
        foreach (var slot in _scratch)
        {
            Deactivate(slot);
            Forget(slot);
            RuntimeLog.Deactivated(_logger, _factory.GrainType, slot.Key);
        }

        _scratch.Clear();
    }

    // A lost partition's grains go even if they would rather stay (a NOTIFY awaiting its answer): the new
    // owner re-reads the store, and an answer arriving here later fails at activation.
    private void Release(ReleaseRequest request)
    {
        var remaining = 0;
        _scratch.Clear();
        foreach (var slot in _slots.Values)
        {
            if (!slot.IsActive || !request.IsLost(slot.Key))
            {
                continue;
            }

            if (slot.IsRunning || slot.Pending.Count > 0)
            {
                remaining++;
            }
            else
            {
                _scratch.Add(slot);
            }
        }

        foreach (var slot in _scratch)
        {
            Deactivate(slot);
            Forget(slot);
        }

        _scratch.Clear();
        request.TrySetResult(remaining);
    }

    private bool CanDeactivate(GrainSlot<TGrain> slot)
    {
        try
        {
            return slot.Grain.CanDeactivate;
        }
        catch (Exception exception)
        {
            RuntimeLog.TurnFailed(_logger, exception, _factory.GrainType, slot.Key);
            return false;
        }
    }

    private void Deactivate(GrainSlot<TGrain> slot)
    {
        var grain = slot.Grain;
        slot.Deactivate();
        Interlocked.Decrement(ref _activeCount);
        try
        {
            if (grain is not null)
            {
                grain.OnDeactivated();
            }
        }
        catch (Exception exception)
        {
            RuntimeLog.TurnFailed(_logger, exception, _factory.GrainType, slot.Key);
        }
    }
}
