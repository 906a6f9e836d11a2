using Orleans.Concurrency;
using Presence.Grains.Commands;
using Presence.Grains.Notify;
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

    /// <summary>
    /// A back-end SUBSCRIBE of a resource list server (the user named in <paramref name="command"/>'s edge) on behalf of
    /// one of its subscribers: applied like any SUBSCRIBE, then answered with <see cref="BackEndAnswered"/>. One-way,
    /// so that two users whose lists name each other never wait on each other.
    /// </summary>
    [OneWay]
    Task SubscribeFor(SubscribeCommand command);

    /// <summary>A member's answer to a back-end SUBSCRIBE (<paramref name="callId"/> names it).</summary>
    [OneWay, AlwaysInterleave]
    Task BackEndAnswered(string callId, int statusCode, string? notifierTag, int? expires);

    /// <summary>
    /// A member's NOTIFY in one of this user's back-end subscriptions; false when this user no longer has that
    /// subscription (the member then ends it, as for a 481). Kept for the next list NOTIFY; never waits for a turn.
    /// </summary>
    [AlwaysInterleave]
    Task<bool> MemberNotified(NotifyMessage notify);

    /// <summary>What a fetch of the user's calendar source found (the grain started it and hands itself the outcome).</summary>
    [OneWay]
    Task CalendarFetched(string url, CalendarFetchValue fetch);

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
