using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Grains.Commands;

/// <summary>One Contact of a REGISTER (RFC 3261 §10.2.1), parsed by the SIP node that received it, with the device's
/// capabilities from its feature tags (RFC 3840), when it gave any.</summary>
[GenerateSerializer, Immutable]
public sealed record ContactCommand(
    [property: Id(0)] string Uri,
    [property: Id(1)] int? Expires,
    [property: Id(2)] double? Q,
    [property: Id(3)] string? InstanceId,
    [property: Id(4)] CapabilitiesValue? Capabilities = null);

/// <summary>A device's capabilities on the wire between silos (<see cref="DeviceCapabilities"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record CapabilitiesValue(
    [property: Id(0)] bool? Audio, [property: Id(1)] bool? Video, [property: Id(2)] bool? Text, [property: Id(3)] bool? Message,
    [property: Id(4)] bool? Automata)
{
    public DeviceCapabilities ToModel() => new(Audio, Video, Text, Message, Automata);
}

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
        new RegisterRequest(Contacts.Select(c => new ContactRequest(c.Uri, c.Expires, c.Q, c.InstanceId, c.Capabilities?.ToModel())).ToList(),
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
    [property: Id(13)] string? Edge) : PresenceCommand
{
    public override string Name => "subscribe";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.Subscribe(
        new SubscribeRequest(
            CallId, WatcherTag, NotifierTag, WatcherAor, WatcherUri, RemoteTarget, RouteSet, EventId, Expires, AcceptsDocument, Flow,
            Package, WatcherGroups, Edge),
        now);
}

/// <summary>INVITE or MESSAGE to the user: where to go (302) or why not (480), from the composite (SPEC.md "Routing decisions").</summary>
[GenerateSerializer, Immutable]
public sealed record RouteCommand : PresenceCommand
{
    public static RouteCommand Instance { get; } = new();

    public override string Name => "route";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.Route(now);
}
