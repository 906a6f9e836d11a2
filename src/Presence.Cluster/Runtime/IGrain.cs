namespace Presence.Cluster.Runtime;

/// <summary>
/// A grain: the single owner of one key's state. The runtime runs its turns one at a time, in
/// arrival order, on the worker that owns the key's partition; a turn may await, and other grains
/// of that worker run meanwhile, but no other turn of this grain does. So grain code needs no locks.
/// A grain must never block on a task (its continuation may need the very worker it blocks), and a turn
/// must not await a call that comes back to the same grain, directly or through other grains: that call
/// queues behind the waiting turn and neither ever finishes (Orleans' non-reentrant grains, likewise).
/// </summary>
public interface IGrain
{
    string Key { get; }

    /// <summary>
    /// When the grain next has expiry work to do, computed from its current state; null for never.
    /// Re-read after every turn: the runtime keeps a timer armed for it. The grain persists the same
    /// value with each write (<c>GrainWrite.NextDueAt</c>) so that it is woken on time when not active.
    /// </summary>
    DateTimeOffset? NextDueAt { get; }

    /// <summary>
    /// Does the work that is due at <paramref name="now"/> (expires bindings, publications,
    /// subscriptions) and persists the result, including the new next due time. Called as a turn, at or
    /// a little after <see cref="NextDueAt"/>; it may be called when nothing is due and must then do nothing.
    /// </summary>
    ValueTask OnDueAsync(DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// False while the grain has work in flight that lives only in memory (a NOTIFY awaiting its
    /// response), so idle deactivation would lose it.
    /// </summary>
    bool CanDeactivate { get; }

    /// <summary>Called by the worker once the grain has left memory (idle, released, or failed); it gets no more turns.</summary>
    void OnDeactivated()
    {
    }
}
