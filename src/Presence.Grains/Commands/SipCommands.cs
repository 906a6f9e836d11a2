using Presence.Core.Composite;
using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Grains.Commands;

/// <summary>One Contact of a REGISTER (RFC 3261 §10.2.1), parsed by the SIP node that received it, with its RFC 3840
/// feature parameters as sent (<c>audio</c>, <c>methods="INVITE,MESSAGE"</c>), when it gave any.</summary>
[GenerateSerializer, Immutable]
public sealed record ContactCommand(
    [property: Id(0)] string Uri,
    [property: Id(1)] int? Expires,
    [property: Id(2)] double? Q,
    [property: Id(3)] string? InstanceId,
    [property: Id(4)] string[]? Features = null);

/// <summary>REGISTER (RFC 3261 §10.3): add, refresh, remove, wildcard or query bindings.</summary>
[GenerateSerializer, Immutable]
public sealed record RegisterCommand(
    [property: Id(0)] ContactCommand[] Contacts,
    [property: Id(1)] bool Wildcard,
    [property: Id(2)] int? Expires,
    [property: Id(3)] string CallId,
    [property: Id(4)] long CSeq,
    [property: Id(5)] string? Flow) : PresenceCommand
{
    public override string Name => "register";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.Register(
        new RegisterRequest(Contacts.Select(c => new ContactRequest(c.Uri, c.Expires, c.Q, c.InstanceId, c.Features is { Length: > 0 } f ? DeviceCapabilities.FromFeatureParameters(f) : null)).ToList(),
            Wildcard, Expires, CallId, CSeq, Flow),
        now);
}

/// <summary>PUBLISH (RFC 3903 §4): initial, refresh, modify or remove one publication.</summary>
[GenerateSerializer, Immutable]
public sealed record PublishCommand(
    [property: Id(0)] string? IfMatch,
    [property: Id(1)] int? Expires,
    [property: Id(2)] string? ContentType,
    [property: Id(3)] byte[]? Body,
    [property: Id(4)] string? Event = null) : PresenceCommand
{
    public override string Name => "publish";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) =>
        presentity.Publish(new PublishRequest(IfMatch, Expires, ContentType, Body, Event ?? EventPackage.Presence), now);
}

/// <summary>
/// SUBSCRIBE to presence or watcher information (RFC 6665 §4.2.1): new, refresh, unsubscribe or fetch.
/// <see cref="Edge"/> is the SIP node that holds the watcher's flow, where its NOTIFYs must leave.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SubscribeCommand(
    [property: Id(0)] string CallId,
    [property: Id(1)] string WatcherTag,
    [property: Id(2)] string? NotifierTag,
    [property: Id(3)] string WatcherAor,
    [property: Id(4)] string WatcherUri,
    [property: Id(5)] string RemoteTarget,
    [property: Id(6)] string[] RouteSet,
    [property: Id(7)] string? EventId,
    [property: Id(8)] int? Expires,
    [property: Id(9)] bool AcceptsDocument,
    [property: Id(10)] string? Flow,
    [property: Id(11)] string Package,
    [property: Id(12)] string[] WatcherGroups,
    [property: Id(13)] string? Edge,
    [property: Id(14)] bool LegacyClient = false) : PresenceCommand
{
    public override string Name => "subscribe";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.Subscribe(
        new SubscribeRequest(
            CallId, WatcherTag, NotifierTag, WatcherAor, WatcherUri, RemoteTarget, RouteSet, EventId, Expires, AcceptsDocument, Flow,
            Package, WatcherGroups, Edge),
        now);
}

/// <summary>
/// INVITE or MESSAGE to the user: where to go (302) or why not (480), from the composite (SPEC.md "Routing decisions")
/// and the caller's preferences (RFC 3841 Accept-Contact and Reject-Contact as received, the SDP's video offer).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RouteCommand(
    [property: Id(0)] string Method = "INVITE",
    [property: Id(1)] string[]? AcceptContact = null,
    [property: Id(2)] string[]? RejectContact = null,
    [property: Id(3)] bool OffersVideo = false) : PresenceCommand
{
    public static RouteCommand Instance { get; } = new();

    public override string Name => "route";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) =>
        presentity.Route(now, new CallerPreferences(AcceptContact ?? [], RejectContact ?? [], Method, OffersVideo));
}
