using System.Text.Json;
using System.Text.Json.Serialization;
using Presence.Core.Documents;
using Presence.Core.Model;

namespace Presence.Core.Persistence;

/// <summary>
/// How a presentity's state is stored: one item per binding, publication and subscription (so a refresh
/// writes one small row), one for the settings, one for the composite last sent to watchers, and while NOTIFYs
/// of a stored change may not have left yet, a marker saying so.
/// </summary>
public static class PresentityItems
{
    public const string BindingKind = "binding";
    public const string PublicationKind = "publication";
    public const string SubscriptionKind = "subscription";
    public const string SettingsKind = "settings";
    public const string CompositeKind = "composite";
    public const string RulesKind = "rules";
    public const string GroupsKind = "groups";
    /// <summary>The user's NOTIFY CSeq floor: after a load, every dialog continues above it (one row, not one per watcher).</summary>
    public const string CSeqKind = "cseq";
    public const string UnsentKind = "unsent";
    /// <summary>One of the user's resource lists (key: its name).</summary>
    public const string ListKind = "list";
    /// <summary>The list server's subscription to a member for a subscriber (key: "subscriber member").</summary>
    public const string BackEndKind = "backend";
    /// <summary>The user's calendar (iCalendar text and time zone).</summary>
    public const string CalendarKind = "calendar";
    /// <summary>Where the user's calendar is fetched from, with its credentials and how the last fetches went.</summary>
    public const string CalendarSourceKind = "calendar-source";

    public static byte[] Serialize(Presence.Core.Calendar.CalendarSource source) => JsonSerializer.SerializeToUtf8Bytes(source, ItemJson.Default.CalendarSource);

    public static Presence.Core.Calendar.CalendarSource? ReadCalendarSource(byte[] payload) => JsonSerializer.Deserialize(payload, ItemJson.Default.CalendarSource);

    public static byte[] Serialize(Presence.Core.Presentity.StoredCalendar calendar) => JsonSerializer.SerializeToUtf8Bytes(calendar, ItemJson.Default.StoredCalendar);

    public static Presence.Core.Presentity.StoredCalendar? ReadCalendar(byte[] payload) => JsonSerializer.Deserialize(payload, ItemJson.Default.StoredCalendar);

    public static byte[] Serialize(ResourceList list) => JsonSerializer.SerializeToUtf8Bytes(list, ItemJson.Default.ResourceList);

    public static ResourceList? ReadList(byte[] payload) => JsonSerializer.Deserialize(payload, ItemJson.Default.ResourceList);

    public static byte[] Serialize(BackEndSubscription backEnd) => JsonSerializer.SerializeToUtf8Bytes(backEnd, ItemJson.Default.BackEndSubscription);

    public static BackEndSubscription? ReadBackEnd(byte[] payload) => JsonSerializer.Deserialize(payload, ItemJson.Default.BackEndSubscription);

    public static byte[] Serialize(Binding binding) => JsonSerializer.SerializeToUtf8Bytes(binding, ItemJson.Default.Binding);

    public static byte[] Serialize(Subscription subscription) => JsonSerializer.SerializeToUtf8Bytes(subscription, ItemJson.Default.Subscription);

    public static byte[] Serialize(UserSettings settings) => JsonSerializer.SerializeToUtf8Bytes(settings, ItemJson.Default.UserSettings);

    public static byte[] Serialize(StoredComposite composite) => JsonSerializer.SerializeToUtf8Bytes(composite, ItemJson.Default.StoredComposite);

    /// <summary>The marker of NOTIFYs that may not have left; its presence is what counts, the time (of the first
    /// such change) is for whoever reads the store.</summary>
    public static byte[] SerializeUnsent(DateTimeOffset since) => JsonSerializer.SerializeToUtf8Bytes(since, ItemJson.Default.DateTimeOffset);

    public static byte[] Serialize(IReadOnlyList<WatcherRule> rules) => JsonSerializer.SerializeToUtf8Bytes(rules.ToList(), ItemJson.Default.ListWatcherRule);

    public static List<WatcherRule>? ReadRules(byte[] payload) => JsonSerializer.Deserialize(payload, ItemJson.Default.ListWatcherRule);

    public static byte[] Serialize(List<string> groups) => JsonSerializer.SerializeToUtf8Bytes(groups, ItemJson.Default.ListString);

    public static List<string>? ReadGroups(byte[] payload) => JsonSerializer.Deserialize(payload, ItemJson.Default.ListString);

    public static byte[] Serialize(HistoryEntry entry) => JsonSerializer.SerializeToUtf8Bytes(entry, ItemJson.Default.HistoryEntry);

    /// <summary>A publication is stored as its document, not as what we read from it: read again on load, so a
    /// better reader later applies to stored state too.</summary>
    public static byte[] Serialize(Publication publication) => JsonSerializer.SerializeToUtf8Bytes(
        new StoredPublication(publication.EntityTag, publication.ExpiresAt, publication.ContentType, publication.Body, publication.PublishedAt, publication.Event),
        ItemJson.Default.StoredPublication);

    public static byte[] Serialize(long cseqFloor) => System.Text.Encoding.ASCII.GetBytes(cseqFloor.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static long? ReadCSeqFloor(byte[] payload) =>
        long.TryParse(payload, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long floor) ? floor : null;

    public static Binding? ReadBinding(byte[] payload) => JsonSerializer.Deserialize(payload, ItemJson.Default.Binding);

    public static Subscription? ReadSubscription(byte[] payload) => JsonSerializer.Deserialize(payload, ItemJson.Default.Subscription);

    public static UserSettings? ReadSettings(byte[] payload) => JsonSerializer.Deserialize(payload, ItemJson.Default.UserSettings);

    public static StoredComposite? ReadComposite(byte[] payload) => JsonSerializer.Deserialize(payload, ItemJson.Default.StoredComposite);

    public static HistoryEntry? ReadHistory(byte[] payload) => JsonSerializer.Deserialize(payload, ItemJson.Default.HistoryEntry);

    public static Publication? ReadPublication(byte[] payload)
    {
        var stored = JsonSerializer.Deserialize(payload, ItemJson.Default.StoredPublication);
        if (stored is null || !PresenceDocumentReader.TryRead(stored.ContentType, stored.Body, out var state, out _))
            return null;
        // Rows written before the dialog package have no event: they are presence.
        return new Publication(stored.EntityTag, stored.ExpiresAt, stored.ContentType, stored.Body, state!, stored.PublishedAt,
            stored.Event ?? EventPackage.Presence);
    }
}

/// <summary>The document last sent to watchers, so a restart can tell whether they must hear of a change.</summary>
public sealed record StoredComposite(ExtendedStatus Status, string? Note, byte[] Document);

internal sealed record StoredPublication(
    string EntityTag, DateTimeOffset ExpiresAt, string ContentType, byte[] Body, DateTimeOffset PublishedAt, string? Event = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(Binding))]
[JsonSerializable(typeof(Subscription))]
[JsonSerializable(typeof(UserSettings))]
[JsonSerializable(typeof(StoredComposite))]
[JsonSerializable(typeof(StoredPublication))]
[JsonSerializable(typeof(HistoryEntry))]
[JsonSerializable(typeof(List<WatcherRule>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(ResourceList))]
[JsonSerializable(typeof(BackEndSubscription))]
[JsonSerializable(typeof(Presence.Core.Presentity.StoredCalendar))]
[JsonSerializable(typeof(Presence.Core.Calendar.CalendarSource))]
internal sealed partial class ItemJson : JsonSerializerContext;
