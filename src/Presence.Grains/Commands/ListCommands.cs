using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Grains.Commands;

/// <summary>One entry of a resource list as it crosses silos.</summary>
[GenerateSerializer, Immutable]
public sealed record ListEntryValue([property: Id(0)] string Uri, [property: Id(1)] string? DisplayName);

/// <summary>Creates or replaces one of the user's resource lists (RFC 4826 content, RFC 4662 subscriptions).</summary>
[GenerateSerializer, Immutable]
public sealed record PutListCommand(
    [property: Id(0)] string List,
    [property: Id(1)] string? DisplayName,
    [property: Id(2)] ListEntryValue[] Entries,
    [property: Id(3)] string[] Subscribers) : PresenceCommand
{
    public override string Name => "list-put";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.PutList(
        new ResourceList(List, DisplayName, [.. Entries.Select(e => new ListEntry(e.Uri, e.DisplayName))], Subscribers), now);
}

[GenerateSerializer, Immutable]
public sealed record DeleteListCommand([property: Id(0)] string List) : PresenceCommand
{
    public override string Name => "list-delete";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.DeleteList(List, now);
}

/// <summary>
/// SUBSCRIBE to one of the user's lists (RFC 4662): the dialog as <see cref="SubscribeCommand"/> carries it, the
/// list's name, and whether the subscriber said <c>Supported: eventlist</c>. With no name, it is a SUBSCRIBE that
/// carries its own list (RFC 5367) to the subscriber's grain: <see cref="Contained"/> (null on a refresh without
/// one), addressed to <see cref="ContainedUri"/> (the list server's URI the subscriber used).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ListSubscribeCommand(
    [property: Id(0)] SubscribeCommand Subscribe,
    [property: Id(1)] string? List,
    [property: Id(2)] bool SupportsEventList,
    [property: Id(3)] ListEntryValue[]? Contained = null,
    [property: Id(4)] string? ContainedUri = null) : PresenceCommand
{
    public override string Name => "list-subscribe";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now)
    {
        var s = Subscribe;
        var request = new SubscribeRequest(s.CallId, s.WatcherTag, s.NotifierTag, s.WatcherAor, s.WatcherUri, s.RemoteTarget, s.RouteSet, s.EventId,
            s.Expires, s.AcceptsDocument, s.Flow, s.Package, s.WatcherGroups, s.Edge, s.LegacyClient);
        if (List is { } name)
            return presentity.ListSubscribe(request, name, SupportsEventList, now);
        var contained = Contained is null ? null
            : new ResourceList(string.Empty, null, [.. Contained.Select(e => new ListEntry(e.Uri, e.DisplayName))], [], ContainedUri);
        return presentity.ContainedListSubscribe(request, contained, SupportsEventList, now);
    }
}
