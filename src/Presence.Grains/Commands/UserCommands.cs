using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Grains.Commands;

/// <summary>Do-not-disturb set by the user or the operator (the HTTP API), with its comment; null clears it.</summary>
[GenerateSerializer, Immutable]
public sealed record SetDoNotDisturbCommand([property: Id(0)] bool Active, [property: Id(1)] string? Comment) : PresenceCommand
{
    public override string Name => "dnd";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.SetSettings(
        presentity.Settings with { DoNotDisturb = Active, DndComment = Active ? Comment : null }, now);
}

/// <summary>One alternative contact: a number or URI to reach the user when no device is registered.</summary>
[GenerateSerializer, Immutable]
public sealed record AlternativeContactValue([property: Id(0)] string Uri, [property: Id(1)] double Priority);

/// <summary>Replaces the user's own alternative contacts (an empty list clears them).</summary>
[GenerateSerializer, Immutable]
public sealed record SetAlternativeContactsCommand([property: Id(0)] AlternativeContactValue[] Contacts) : PresenceCommand
{
    public override string Name => "alternatives";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.SetSettings(
        presentity.Settings with { AlternativeContacts = Contacts.Select(c => new AlternativeContact(c.Uri, c.Priority)).ToList() }, now);
}

/// <summary>Where calls go while the user is in DND or unreachable; null clears it.</summary>
[GenerateSerializer, Immutable]
public sealed record SetVoicemailCommand([property: Id(0)] string? Uri) : PresenceCommand
{
    public override string Name => "voicemail";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) =>
        presentity.SetSettings(presentity.Settings with { VoicemailUri = Uri }, now);
}

/// <summary>The account was disabled: every registration and publication ends now.</summary>
[GenerateSerializer, Immutable]
public sealed record EndSourcesCommand : PresenceCommand
{
    public static EndSourcesCommand Instance { get; } = new();

    public override string Name => "end-sources";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.EndSources(now);
}

/// <summary>The user's rule for a watcher ("sip:bob@example.com") or a domain ("@example.org"); a null action removes it.</summary>
[GenerateSerializer, Immutable]
public sealed record SetRuleCommand([property: Id(0)] string Watcher, [property: Id(1)] WatcherAction? Action) : PresenceCommand
{
    public override string Name => "rule";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.SetRule(Watcher, Action, now);
}

/// <summary>The user's groups changed (the operator moved it): its watchers are decided again.</summary>
[GenerateSerializer, Immutable]
public sealed record SetGroupsCommand([property: Id(0)] string[] Groups) : PresenceCommand
{
    public override string Name => "groups";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.SetGroups(Groups, now);
}

/// <summary>The user's calendar (iCalendar, RFC 5545) and the time zone it is read in; null text removes it.</summary>
[GenerateSerializer, Immutable]
public sealed record SetCalendarCommand([property: Id(0)] string? Text, [property: Id(1)] string? TimeZone) : PresenceCommand
{
    public override string Name => "calendar";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.SetCalendar(Text, TimeZone, now);
}

/// <summary>Where the user's calendar is fetched from (an iCalendar feed URL or a CalDAV collection), with HTTP Basic
/// credentials and the time zone; a null URL removes the source and what it gave.</summary>
[GenerateSerializer, Immutable]
public sealed record SetCalendarSourceCommand(
    [property: Id(0)] string? Url, [property: Id(1)] string? Username, [property: Id(2)] string? Password, [property: Id(3)] string? TimeZone)
    : PresenceCommand
{
    public override string Name => "calendar-source";

    public override PresenceOutcome Apply(Presentity presentity, DateTimeOffset now) => presentity.SetCalendarSource(
        Url is null ? null : new Core.Calendar.CalendarSource(Url, Username, Password), TimeZone, now);
}
