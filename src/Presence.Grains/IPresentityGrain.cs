using Orleans.Concurrency;
using Presence.Grains.Commands;
using Presence.Grains.Users;

namespace Presence.Grains;

/// <summary>
/// A user's grain: the single owner of one address of record's presence (its key is the normalized AOR,
/// "sip:alice@example.com"). Every SIP request and API change about the user is one call with a serializable
/// command; Orleans runs the calls one at a time, so the presence logic needs no locks.
/// </summary>
public interface IPresentityGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies <paramref name="command"/> in one turn and answers once its changes are durable (or with 500 when they
    /// could not be stored: nothing is acknowledged that is not). The turn's NOTIFYs have been handed to the nodes
    /// that hold the watchers' flows by the time it answers.
    /// </summary>
    Task<PresenceAnswer> Execute(PresenceCommand command);

    /// <summary>The user as the HTTP API shows it: composite, document, sources, watchers, rules.</summary>
    Task<PresentitySnapshot> Read();

    /// <summary>
    /// A NOTIFY in <paramref name="subscriptionId"/>'s dialog ended with <paramref name="statusCode"/> (481, 408, 503):
    /// the watcher is gone (RFC 6665 §4.2.2) and its subscription ends.
    /// </summary>
    [OneWay]
    Task NotifyFailed(string subscriptionId, int statusCode);

    /// <summary>Due work may be waiting (the sweeper found the user due in the store): do it now.</summary>
    Task Wake();

    /// <summary>
    /// Tells <paramref name="observer"/> of every composite change for <paramref name="lease"/> (the HTTP live stream on
    /// any silo); it follows again before the lease ends. A grain that leaves memory forgets its followers.
    /// </summary>
    Task Follow(IPresenceObserver observer, TimeSpan lease);

    Task Unfollow(IPresenceObserver observer);
}

/// <summary>A follower of users' composite changes: one per silo that streams presence over HTTP.</summary>
public interface IPresenceObserver : IGrainObserver
{
    [OneWay]
    Task Changed(string aor, PresenceChange change);
}
