using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Grains.Users;

namespace Presence.Server.Http;

/// <summary>A user's presence as the HTTP API returns it.</summary>
public sealed record PresenceJson(
    string Aor,
    string Status,
    string Basic,
    string? Note,
    IReadOnlyList<ContactJson> Contacts,
    IReadOnlyList<RegistrationJson> Registrations,
    IReadOnlyList<AlternativeContactJson> AlternativeContacts,
    string? Voicemail,
    IReadOnlyList<string> Activities,
    DoNotDisturbJson DoNotDisturb,
    int Publications,
    int Watchers,
    string? Silo,
    IReadOnlyList<DialogJson> Dialogs,
    IReadOnlyList<DeviceJson> Devices,
    CalendarJson? Calendar = null)
{
    /// <param name="silo">The name of the silo the user's grain is on (<see cref="PresentitySnapshot.Silo"/>, named by the caller).</param>
    public static PresenceJson From(PresentitySnapshot view, DateTimeOffset now, string? silo = null) => new(
        view.Aor,
        StatusName(view.Status),
        view.IsOpen ? "open" : "closed",
        view.Note,
        view.Contacts.Select(c => new ContactJson(c.Uri, c.Priority, c.Registered)).ToList(),
        view.Registrations.Select(b => new RegistrationJson(b.ContactUri, b.SecondsLeft(now), b.Q)).ToList(),
        view.AlternativeContacts.Select(a => new AlternativeContactJson(a.Uri, a.Priority)).ToList(),
        view.VoicemailUri,
        view.Activities,
        new DoNotDisturbJson(view.DoNotDisturb, view.DndComment),
        view.Publications,
        view.Watchers.Length,
        silo,
        (view.Dialogs ?? []).Select(d => new DialogJson(d.Id, d.CallId, d.Direction, d.State, d.RemoteIdentity)).ToList(),
        (view.Devices ?? []).Select(d => DeviceJson.From(d, now)).ToList(),
        view.Calendar is { } c
            ? new CalendarJson(c.Show, c.Until, c.Note, c.Source is { } s ? new CalendarSourceJsonView(s.Url, s.LastError is not null, s.LastError, s.Failures, s.LastSuccessAt) : null)
            : null);

    /// <summary>The extended status as the README and the PIDF extension spell it.</summary>
    public static string StatusName(ExtendedStatus status) => status switch
    {
        ExtendedStatus.Available => "available",
        ExtendedStatus.Busy => "busy",
        ExtendedStatus.Ringing => "ringing",
        ExtendedStatus.DoNotDisturb => "donotdisturb",
        _ => "unreachable",
    };
}

public sealed record ContactJson(string Uri, double Priority, bool Registered);

/// <summary>What the user's calendar shows now, and whether its source is failing (README "Presence from the calendar").</summary>
public sealed record CalendarJson(string? Show, DateTimeOffset? Until, string? Note, CalendarSourceJsonView? Source);

public sealed record CalendarSourceJsonView(string Url, bool Failing, string? LastError, int Failures, DateTimeOffset? LastSuccessAt);

/// <summary>One of the user's dialogs (RFC 4235), as busy-lamp fields see it: <c>state</c> is trying, proceeding,
/// early (ringing), confirmed (in the call); <c>direction</c> initiator or recipient when the publisher said.</summary>
public sealed record DialogJson(string Id, string? CallId, string? Direction, string State, string? Remote);

/// <summary>
/// One device of the user (README "Communication capabilities"): the contact it is reached at, whether registered,
/// its instance (RFC 4479 device ID), seconds until the registration or publication telling of it ends (null for the
/// user's own settings), and what it said it can do. A capability the device said nothing about is null.
/// </summary>
public sealed record DeviceJson(string Contact, bool Registered, string? DeviceId, int? ExpiresIn, CapabilitiesJson Capabilities)
{
    public static DeviceJson From(DeviceValue d, DateTimeOffset now) => new(
        d.Contact, d.Registered, d.DeviceId,
        d.ExpiresAt is { } at ? (int)Math.Max(0, Math.Ceiling((at - now).TotalSeconds)) : null,
        new CapabilitiesJson(d.Audio, d.Video, d.Text, d.Message, d.Automata, d.Duplex, d.Mobility, d.Description, d.Types ?? []));
}

/// <summary>RFC 5196's service and device capabilities of one device, as in <c>&lt;caps:servcaps&gt;</c>.</summary>
public sealed record CapabilitiesJson(
    bool? Audio, bool? Video, bool? Text, bool? Message, bool? Automata, string? Duplex, string? Mobility, string? Description, IReadOnlyList<string> Types);

public sealed record RegistrationJson(string Contact, int ExpiresIn, double Q);

public sealed record AlternativeContactJson(string Uri, double Priority);

/// <summary>The user's own DND setting (a client's PUBLISH can declare DND too; <c>status</c> shows the result).</summary>
public sealed record DoNotDisturbJson(bool Active, string? Comment);

public sealed record DndRequest(string? Comment);

public sealed record VoicemailRequest(string? Uri);

public sealed record HistoryJson(DateTimeOffset At, string Status, string? Note, string Cause)
{
    public static HistoryJson From(HistoryEntry entry) => new(entry.At, PresenceJson.StatusName(entry.Status), entry.Note, entry.Cause);
}

public sealed record ProblemJson(string Error);
