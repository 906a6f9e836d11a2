namespace Presence.Cli;

// The JSON the HTTP API answers with, as far as presencectl reads it (System.Text.Json's web defaults:
// camelCase, case-insensitive). The server's own types live in Presence.Server; the CLI does not depend on it,
// so these follow src/Presence.Server/Http/*Json*.cs and Cluster/ClusterApi.cs by name.

public sealed record UserView(string Aor, bool Disabled, IReadOnlyList<string>? Groups, DateTimeOffset CreatedAt, DateTimeOffset ChangedAt);

public sealed record PresenceView(
    string Aor,
    string Status,
    string Basic,
    string? Note,
    IReadOnlyList<ContactView>? Contacts,
    IReadOnlyList<RegistrationView>? Registrations,
    IReadOnlyList<AlternativeContact>? AlternativeContacts,
    string? Voicemail,
    IReadOnlyList<string>? Activities,
    DoNotDisturbView? DoNotDisturb,
    int Publications,
    int Watchers,
    IReadOnlyList<DialogView>? Dialogs = null,
    IReadOnlyList<DeviceView>? Devices = null);

/// <summary>One device of the user and what it can do (the server's DeviceJson).</summary>
public sealed record DeviceView(string Contact, bool Registered, string? DeviceId, int? ExpiresIn, CapabilitiesView? Capabilities);

public sealed record CapabilitiesView(
    bool? Audio, bool? Video, bool? Text, bool? Message, bool? Automata, string? Duplex, string? Mobility, string? Description, IReadOnlyList<string>? Types);

public sealed record DialogView(string Id, string? CallId, string? Direction, string State, string? Remote);

public sealed record ContactView(string Uri, double Priority, bool Registered);

public sealed record RegistrationView(string Contact, int ExpiresIn, double Q);

/// <summary>Read back in a presence, and sent as it is to PUT /api/users/{user}/alternative-contacts.</summary>
public sealed record AlternativeContact(string Uri, double Priority);

public sealed record DoNotDisturbView(bool Active, string? Comment);

public sealed record HistoryView(DateTimeOffset At, string Status, string? Note, string Cause);

public sealed record WatcherView(string Watcher, string State, string Decision, int ExpiresIn);

public sealed record RuleView(string Watcher, string Action);

public sealed record ListEntryView(string Uri, string? DisplayName);

public sealed record CalendarEventView(DateTimeOffset Start, DateTimeOffset End, string Show, string? Summary);

public sealed record CalendarSourceView(
    string Url, string? Username, bool HasPassword, DateTimeOffset? LastFetchAt, DateTimeOffset? LastSuccessAt, string? LastError,
    DateTimeOffset? LastErrorAt, int Failures);

public sealed record CalendarView(
    string TimeZone, string? Show, DateTimeOffset? Until, string? Note, IReadOnlyList<CalendarEventView>? Upcoming, CalendarSourceView? Source);

public sealed record ListView(
    string Name, string Uri, string? DisplayName, IReadOnlyList<ListEntryView>? Entries, IReadOnlyList<string>? Subscribers, int Subscriptions);

public sealed record ClusterView(
    bool Clustered,
    string? Self,
    string? Silo,
    string? Role,
    string? Status,
    long WriteConflicts,
    IReadOnlyList<MemberView>? Members);

public sealed record MemberView(string Silo, string Address, string? Role, string Status, string? Http, bool Self);

public sealed record DrainView(bool Draining, string Silo);
