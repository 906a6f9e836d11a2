using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Grains.Commands;

namespace Presence.Grains.Users;

/// <summary>A contact the composite lists: registered ones first, then alternatives.</summary>
[GenerateSerializer, Immutable]
public sealed record ContactValue([property: Id(0)] string Uri, [property: Id(1)] double Priority, [property: Id(2)] bool Registered);

/// <summary>One watcher of the user: its AOR, whether it waits for the user's decision, the rule's decision, and until when.</summary>
[GenerateSerializer, Immutable]
public sealed record WatcherValue(
    [property: Id(0)] string WatcherAor, [property: Id(1)] bool Pending, [property: Id(2)] WatcherAction Decision, [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] string Package);

/// <summary>One of the user's dialogs (RFC 4235): a call ringing (early), in progress (confirmed) or being set up.</summary>
[GenerateSerializer, Immutable]
public sealed record DialogValue(
    [property: Id(0)] string Id, [property: Id(1)] string? CallId, [property: Id(2)] string? Direction, [property: Id(3)] string State,
    [property: Id(4)] string? RemoteIdentity);

/// <summary>One of the user's own watcher rules.</summary>
[GenerateSerializer, Immutable]
public sealed record RuleValue([property: Id(0)] string Watcher, [property: Id(1)] WatcherAction Action);

/// <summary>
/// A user as of one moment, for the HTTP API and the tools: the composite (status, note, contacts, activities),
/// the PIDF document watchers get, and the sources behind it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PresentitySnapshot(
    [property: Id(0)] string Aor,
    [property: Id(1)] ExtendedStatus Status,
    [property: Id(2)] bool IsOpen,
    [property: Id(3)] string? Note,
    [property: Id(4)] ContactValue[] Contacts,
    [property: Id(5)] BindingValue[] Registrations,
    [property: Id(6)] AlternativeContactValue[] AlternativeContacts,
    [property: Id(7)] string? VoicemailUri,
    [property: Id(8)] string[] Activities,
    [property: Id(9)] bool DoNotDisturb,
    [property: Id(10)] string? DndComment,
    [property: Id(11)] int Publications,
    [property: Id(12)] WatcherValue[] Watchers,
    [property: Id(13)] RuleValue[] Rules,
    [property: Id(14)] byte[] Document,
    [property: Id(15)] DateTimeOffset At,
    [property: Id(16)] string Silo,
    [property: Id(17)] DialogValue[]? Dialogs = null,
    [property: Id(18)] DeviceValue[]? Devices = null,
    [property: Id(19)] ListValue[]? Lists = null,
    [property: Id(20)] CalendarValue? Calendar = null)
{
    /// <param name="silo">Where the user's grain is (its silo's address), for operators.</param>
    public static PresentitySnapshot Of(Core.Presentity.Presentity p, DateTimeOffset now, string silo)
    {
        var composite = p.Composite(now);
        return new PresentitySnapshot(
            p.Aor,
            composite.Status,
            composite.IsOpen,
            composite.Note,
            [.. composite.RegisteredContacts.Concat(composite.AlternativeContacts).Select(c => new ContactValue(c.Uri, c.Priority, c.Registered))],
            [.. p.Bindings.Where(b => b.IsLive(now)).OrderByDescending(b => b.Q).ThenBy(b => b.ContactUri, StringComparer.Ordinal)
                .Select(b => new BindingValue(b.ContactUri, b.ExpiresAt, b.Q))],
            [.. p.Settings.AlternativeContacts.Select(a => new AlternativeContactValue(a.Uri, a.Priority))],
            composite.VoicemailUri,
            [.. composite.Activities],
            p.Settings.DoNotDisturb,
            p.Settings.DndComment,
            p.Publications.Count(x => x.IsLive(now)),
            [.. p.Subscriptions.OrderBy(s => s.WatcherAor, StringComparer.Ordinal)
                .Select(s => new WatcherValue(s.WatcherAor, s.State == SubscriptionState.Pending, s.Decision, s.ExpiresAt, s.Package))],
            [.. p.Rules.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new RuleValue(r.Key, r.Value))],
            p.Document(now),
            now,
            silo,
            [.. p.Dialogs.Select(d => new DialogValue(d.Id, d.CallId, d.Direction, d.State, d.RemoteIdentity))],
            [.. composite.RegisteredContacts.Concat(composite.AlternativeContacts)
                .Where(c => c.Capabilities is { Any: true } || c.DeviceId is not null)
                .Select(DeviceValue.Of)],
            [.. p.Lists.Values.Where(l => !l.IsContained).OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => new ListValue(
                l.Name, l.DisplayName, [.. l.Entries.Select(e => new ListEntryValue(e.Uri, e.DisplayName))], [.. l.Subscribers],
                p.ListSubscriptions.Count(s => string.Equals(s.List, l.Name, StringComparison.OrdinalIgnoreCase))))],
            p.Calendar is { } calendar ? CalendarValue.Of(p, calendar.TimeZone, now) : null);
    }
}

/// <summary>The user's calendar as the API shows it: its zone, what it says now, and the next occurrences.</summary>
[GenerateSerializer, Immutable]
public sealed record CalendarValue(
    [property: Id(0)] string TimeZone, [property: Id(1)] string? Show, [property: Id(2)] DateTimeOffset? Until, [property: Id(3)] string? Note,
    [property: Id(4)] CalendarBlockValue[] Upcoming,
    [property: Id(5)] CalendarSourceValue? Source = null)
{
    public static CalendarValue Of(Core.Presentity.Presentity p, string timeZone, DateTimeOffset now)
    {
        var current = p.CalendarAt(now);
        return new CalendarValue(timeZone, current is null ? null : ShowName(current.Show), current?.Until, current?.Note,
            [.. p.CalendarAhead(now, 20).Select(b => new CalendarBlockValue(b.Start, b.End, ShowName(b.Show), b.Summary))],
            p.CalendarSource is { } s
                ? new CalendarSourceValue(s.Url, s.Username, s.Password is not null, s.LastPollAt, s.LastSuccessAt, s.LastError, s.LastErrorAt, s.Failures)
                : null);
    }

    public static string ShowName(Core.Calendar.CalendarShow show) => show == Core.Calendar.CalendarShow.OutOfOffice ? "out-of-office" : "busy";
}

/// <summary>Where the calendar is fetched from and how the last fetches went (never the password).</summary>
[GenerateSerializer, Immutable]
public sealed record CalendarSourceValue(
    [property: Id(0)] string Url, [property: Id(1)] string? Username, [property: Id(2)] bool HasPassword, [property: Id(3)] DateTimeOffset? LastFetchAt,
    [property: Id(4)] DateTimeOffset? LastSuccessAt, [property: Id(5)] string? LastError, [property: Id(6)] DateTimeOffset? LastErrorAt,
    [property: Id(7)] int Failures);

/// <summary>One occurrence of an event that shows the user busy or out of office.</summary>
[GenerateSerializer, Immutable]
public sealed record CalendarBlockValue([property: Id(0)] DateTimeOffset Start, [property: Id(1)] DateTimeOffset End, [property: Id(2)] string Show, [property: Id(3)] string? Summary);

/// <summary>One of the user's resource lists, with how many subscriptions it has now.</summary>
[GenerateSerializer, Immutable]
public sealed record ListValue(
    [property: Id(0)] string Name, [property: Id(1)] string? DisplayName, [property: Id(2)] ListEntryValue[] Entries,
    [property: Id(3)] string[] Subscribers, [property: Id(4)] int Subscriptions);

/// <summary>
/// One device a contact of the user reaches (README "Communication capabilities"): its contact, its instance, when
/// the registration or publication that tells of it ends, and what it said it can do.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeviceValue(
    [property: Id(0)] string Contact, [property: Id(1)] bool Registered, [property: Id(2)] string? DeviceId, [property: Id(3)] DateTimeOffset? ExpiresAt,
    [property: Id(4)] bool? Audio, [property: Id(5)] bool? Video, [property: Id(6)] bool? Text, [property: Id(7)] bool? Message,
    [property: Id(8)] bool? Automata, [property: Id(9)] string? Duplex, [property: Id(10)] string? Mobility, [property: Id(11)] string? Description,
    [property: Id(12)] string[]? Types)
{
    public static DeviceValue Of(Core.Composite.ReachableContact c)
    {
        var caps = c.Capabilities;
        return new DeviceValue(c.Uri, c.Registered, c.DeviceId, c.ExpiresAt, caps?.Audio, caps?.Video, caps?.Text, caps?.Message, caps?.Automata,
            caps?.Duplex, caps?.Mobility, caps?.Description, caps?.Types?.ToArray());
    }
}

/// <summary>A change of a user's composite status (what its history records), as followers hear of it.</summary>
[GenerateSerializer, Immutable]
public sealed record PresenceChange(
    [property: Id(0)] DateTimeOffset At, [property: Id(1)] ExtendedStatus Status, [property: Id(2)] string? Note, [property: Id(3)] string Cause)
{
    public static PresenceChange From(HistoryEntry entry) => new(entry.At, entry.Status, entry.Note, entry.Cause);

    public HistoryEntry ToEntry() => new(At, Status, Note, Cause);
}
