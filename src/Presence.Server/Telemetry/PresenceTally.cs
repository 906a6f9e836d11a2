namespace Presence.Server.Telemetry;

/// <summary>
/// What the users in memory hold, kept by their grains: each grain adds the change after every turn and takes its
/// share away when it leaves memory. So the gauges cost a read, never a scan of grains or of the store.
/// </summary>
public sealed class PresenceTally
{
    private long _subscriptions, _bindings;

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
}
