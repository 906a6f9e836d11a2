using System.Globalization;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>iCalendar (RFC 5545) texts for the calendar tests: events in UTC, each in a VCALENDAR of its own or together.</summary>
public static class ICalendarText
{
    public static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A VCALENDAR with the events, named e0, e1, … unless given a UID.</summary>
    public static string Calendar(params (DateTimeOffset Start, DateTimeOffset End, string Summary, string? Extra)[] events) =>
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + string.Concat(events.Select((e, i) => VEvent("e" + i.ToString(CultureInfo.InvariantCulture), e.Start, e.End, e.Summary, e.Extra)))
        + "END:VCALENDAR\r\n";

    /// <summary>A VCALENDAR with one event (a CalDAV event resource).</summary>
    public static string Event(string uid, DateTimeOffset start, DateTimeOffset end, string summary, string? extra = null) =>
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + VEvent(uid, start, end, summary, extra) + "END:VCALENDAR\r\n";

    private static string VEvent(string uid, DateTimeOffset start, DateTimeOffset end, string summary, string? extra) =>
        $"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{Utc(start)}\r\nDTSTART:{Utc(start)}\r\nDTEND:{Utc(end)}\r\nSUMMARY:{summary}\r\n"
        + (extra is null ? string.Empty : extra + "\r\n") + "END:VEVENT\r\n";
}
