namespace Presence.Cluster.Runtime;

/// <summary>Running turns: one at a time per grain, activation first when the grain is not active.</summary>
internal sealed partial class PartitionWorker<TGrain>
{
    private void Enqueue(GrainSlot<TGrain> slot, GrainTurn<TGrain> turn)
    {
        slot.Pending.Enqueue(turn);
        if (!slot.IsRunning)
        {
            StartNext(slot);
        }
    }

    private void StartNext(GrainSlot<TGrain> slot)
    {
        while (slot.Pending.TryDequeue(out var turn))
        {
            if (turn.TryCancel())
            {
                _tracker.End();
                continue;
            }

            if (turn.IsDue)
            {
                slot.IsDueQueued = false;
            }

            slot.IsRunning = true;
            _ = RunTurnAsync(slot, turn);
            return;
        }

        if (!slot.IsActive)
        {
            Forget(slot);
        }
    }

    // Called on the loop with the worker's context installed, so each await below resumes on the loop.
    // Never throws: nobody observes the task.
    private async Task RunTurnAsync(GrainSlot<TGrain> slot, GrainTurn<TGrain> turn)
    {
        var now = _time.GetUtcNow();
        var activating = !slot.IsActive;
        Exception? failure = null;
        try
        {
            if (activating)
            {
                if (_ownership is not null)
                {
                    // Waits while the previous owner hands the partition over; throws if it is not ours.
                    await _ownership.WaitServableAsync(PartitionHash.PartitionOf(slot.Key, _options.Partitions), _stopping);
                }

                var grain = await _factory.ActivateAsync(slot.Key, _stopping);
                slot.Activate(grain);
                Interlocked.Increment(ref _activeCount);
                activating = false;
            }

            await turn.RunAsync(slot.Grain, now, _stopping);
        }
        catch (Exception exception)
        {
            failure = exception;
        }

        try
        {
            Complete(slot, turn, now, failure, activationFailed: activating);
        }
        catch (Exception exception)
        {
            RuntimeLog.WorkerFault(_logger, exception, _index, _factory.GrainType, WorkerMessageKind.Turn);
        }
    }

    private void Complete(GrainSlot<TGrain> slot, GrainTurn<TGrain> turn, DateTimeOffset startedAt, Exception? failure, bool activationFailed)
    {
        if (_stopped)
        {
            // A cancelled stop left this turn running: answer its caller, touch nothing else (this may be
            // running on the thread pool now, beside the stop).
            Answer(turn, failure);
            _tracker.End();
            return;
        }

        slot.LastTurnEnded = _time.GetTimestamp();
        if (failure is not null)
        {
            LogFailure(slot, turn, failure, activationFailed);
            if (slot.IsActive)
            {
                // The grain's memory may be half-updated, or behind the store after a conflicting write;
                // dropping it makes the next turn re-read what the store holds.
                Deactivate(slot);
            }
        }
        else
        {
            ScheduleDue(slot, turn.IsDue, startedAt);
        }

        slot.IsRunning = false;
        if (slot.Pending.Count > 0)
        {
            // Through the channel rather than directly: other grains' work waiting there gets its turn,
            // and a long run of synchronous turns does not grow the stack.
            Post(new WorkerMessage(WorkerMessageKind.Resume, Payload: slot));
        }
        else if (!slot.IsActive)
        {
            Forget(slot);
        }

        Answer(turn, failure);
        _tracker.End();
    }

    private static void Answer(GrainTurn<TGrain> turn, Exception? failure)
    {
        if (failure is null)
        {
            turn.Succeed();
        }
        else
        {
            turn.Fail(failure);
        }
    }

    private void LogFailure(GrainSlot<TGrain> slot, GrainTurn<TGrain> turn, Exception failure, bool activationFailed)
    {
        if (activationFailed)
        {
            RuntimeLog.ActivationFailed(_logger, failure, _factory.GrainType, slot.Key);
        }
        else if (turn.IsDue)
        {
            RuntimeLog.DueFailed(_logger, failure, _factory.GrainType, slot.Key);
        }
        else
        {
            RuntimeLog.TurnFailed(_logger, failure, _factory.GrainType, slot.Key);
        }
    }
}
