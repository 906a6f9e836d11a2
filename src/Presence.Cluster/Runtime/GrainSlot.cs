namespace Presence.Cluster.Runtime;

/// <summary>
/// A key's place on its worker: the queue of turns waiting for the grain, and the grain while it is
/// active. Touched only by the owning worker's loop, so nothing here is synchronized.
/// </summary>
internal sealed class GrainSlot<TGrain>(string key) where TGrain : IGrain
{
    public string Key { get; } = key;

    /// <summary>Turns in arrival order, not yet started.</summary>
    public Queue<GrainTurn<TGrain>> Pending { get; } = new();

    /// <summary>The active grain; meaningful only while <see cref="IsActive"/>.</summary>
    public TGrain Grain { get; private set; } = default!;

    public bool IsActive { get; private set; }

    /// <summary>A turn has started and not finished; the next one waits.</summary>
    public bool IsRunning { get; set; }

    /// <summary>A due turn is already in <see cref="Pending"/>; another would only repeat it.</summary>
    public bool IsDueQueued { get; set; }

    /// <summary>When the last turn ended, as a <see cref="TimeProvider"/> timestamp (monotonic).</summary>
    public long LastTurnEnded { get; set; }

    /// <summary>The due time this activation's timer entry is for; null when none is armed.</summary>
    public DateTimeOffset? ScheduledDueAt { get; set; }

    /// <summary>
    /// A due time the grain's expiry work left in the past; while the grain still reports it, the timer
    /// stays on the retry time instead of firing again at once.
    /// </summary>
    public DateTimeOffset? StuckDueAt { get; set; }

    /// <summary>
    /// Grows with every deactivation, so a timer entry made for an earlier activation is recognized and
    /// dropped instead of firing into the new one.
    /// </summary>
    public int Generation { get; private set; }

    public void Activate(TGrain grain)
    {
        Grain = grain;
        IsActive = true;
    }

    public void Deactivate()
    {
        Grain = default!;
        IsActive = false;
        ScheduledDueAt = null;
        StuckDueAt = null;
        Generation++;
    }
}
