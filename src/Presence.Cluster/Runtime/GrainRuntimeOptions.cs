namespace Presence.Cluster.Runtime;

/// <summary>How a <see cref="GrainRuntime{TGrain}"/> schedules, times and retires its grains.</summary>
public sealed record GrainRuntimeOptions
{
    /// <summary>
    /// Keys map to this fixed number of partitions by <see cref="PartitionHash"/> (default 4096). Fixed,
    /// because the partition is also the unit a cluster moves between silos: changing it moves every key.
    /// </summary>
    public int Partitions { get; init; } = 4096;

    /// <summary>
    /// Partition p runs on worker p % Workers, each a single consumer loop (default: one per processor).
    /// </summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// A grain with no turn for this long (default 10 minutes) is removed from memory, when it allows it
    /// (<see cref="IGrain.CanDeactivate"/>). Its persisted next due time keeps its expiries on time.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often the store is asked for grains that are not active and fall due within the next interval
    /// (default 1 s); they are activated and their timers fire on time. This bounds how late an expiry of
    /// an inactive grain, or one that came due while no process ran, is acted on.
    /// </summary>
    public TimeSpan ReminderPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The most due grains one poll asks the store for (default 1000).</summary>
    public int ReminderBatchSize { get; init; } = 1000;

    /// <summary>
    /// How late a due timer may fire (default 20 ms). A worker keeps one timer for its earliest due time;
    /// a new due time that the armed timer serves within this slack does not re-arm it.
    /// </summary>
    public TimeSpan TimerSlack { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option that cannot work.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Partitions, nameof(Partitions));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Workers, nameof(Workers));
        // A worker without a partition would never run anything.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Workers, Partitions, nameof(Workers));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IdleTimeout, TimeSpan.Zero, nameof(IdleTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReminderPollInterval, TimeSpan.Zero, nameof(ReminderPollInterval));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ReminderBatchSize, nameof(ReminderBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(TimerSlack, TimeSpan.Zero, nameof(TimerSlack));
    }
}
