namespace Presence.Grains.Due;

/// <summary>
/// How the due sweeper finds users whose expiries come while they are not in memory (the "Presence:DueSweep"
/// configuration section). Users in memory keep their own exact grain timer; the sweeper is for the others.
/// </summary>
public sealed class DueSweepOptions
{
    public const string Section = "Presence:DueSweep";

    /// <summary>How often the store is asked for due users (default 500 ms): with <see cref="Grace"/>, how late at most an
    /// expiry of a user not in memory is acted on.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long past its due time a user is left to its own timer before the sweeper wakes it (default 250 ms):
    /// a user in memory has acted and stored its next due time by then, so it is not woken twice.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The most users one sweep reads (default 1,000); a full batch is followed by the next sweep at once.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>The most wake calls in flight at once (default 64): a backlog after downtime does not flood the silos.</summary>
    public int MaxConcurrentWakes { get; set; } = 64;

    /// <summary>
    /// The period of the sweeper's Orleans reminder (default 1 minute, Orleans' minimum): the durable promise that the
    /// sweeper runs somewhere in the cluster whatever silo dies. Every core silo also calls it every
    /// <see cref="KeepAliveInterval"/>, which brings it back sooner after its silo died.
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each core silo makes sure the sweeper is active (default 2 s).</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(2);

    public IEnumerable<string> Validate()
    {
        if (Interval <= TimeSpan.Zero)
            yield return $"{Section}:Interval must be positive.";
        if (Grace < TimeSpan.Zero)
            yield return $"{Section}:Grace must not be negative.";
        if (BatchSize is < 1 or > 100_000)
            yield return $"{Section}:BatchSize must be between 1 and 100000.";
        if (MaxConcurrentWakes is < 1 or > 10_000)
            yield return $"{Section}:MaxConcurrentWakes must be between 1 and 10000.";
        if (ReminderPeriod < TimeSpan.FromMinutes(1))
            yield return $"{Section}:ReminderPeriod must be at least 1 minute (Orleans' minimum reminder period).";
        if (KeepAliveInterval <= TimeSpan.Zero)
            yield return $"{Section}:KeepAliveInterval must be positive.";
    }
}
