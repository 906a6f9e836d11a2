namespace Presence.Grains.Users;

/// <summary>
/// What the users in memory on this silo hold, kept by their grains: each grain adds the change after every turn and
/// takes its share away when it leaves memory. So the gauges cost a read, never a scan of grains or of the store.
/// </summary>
public sealed class PresenceTally
{
    private long _users, _subscriptions, _bindings;

    /// <summary>Users whose grain is in memory on this silo.</summary>
    public long Users => Interlocked.Read(ref _users);

    /// <summary>Subscriptions (presence and watcher info, active or pending) of the users in memory.</summary>
    public long Subscriptions => Interlocked.Read(ref _subscriptions);

    /// <summary>Registered contacts (bindings) of the users in memory.</summary>
    public long Bindings => Interlocked.Read(ref _bindings);

    public void Add(int subscriptions, int bindings)
    {
        if (subscriptions != 0)
            Interlocked.Add(ref _subscriptions, subscriptions);
        if (bindings != 0)
            Interlocked.Add(ref _bindings, bindings);
    }

    public void Activated() => Interlocked.Increment(ref _users);

    public void Deactivated() => Interlocked.Decrement(ref _users);
}
