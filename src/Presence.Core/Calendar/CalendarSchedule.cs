using System.Globalization;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;

namespace Presence.Core.Calendar;

/// <summary>What an event makes of the user while it runs.</summary>
public enum CalendarShow
{
    /// <summary>A meeting: the user is busy (RPID activity <c>meeting</c>).</summary>
    Busy,

    /// <summary>Out of office: the user is in do-not-disturb, and calls go to voicemail or get 480.</summary>
    OutOfOffice,
}

/// <summary>One occurrence of an event that shows the user busy or out of office, in UTC.</summary>
public sealed record CalendarBlock(DateTimeOffset Start, DateTimeOffset End, CalendarShow Show, string? Summary);

/// <summary>What the calendar says of the user at one moment: since when, until when, and the note watchers read.</summary>
public sealed record CalendarNow(CalendarShow Show, DateTimeOffset Until, string Note);

/// <summary>
/// A user's calendar (RFC 5545 iCalendar) read with Ical.Net: its events expanded into the occurrences that show the
/// user busy or out of office (recurrences with RRULE, EXDATE and RECURRENCE-ID overrides, time zones from TZID and
/// VTIMEZONE; floating and all-day times in the user's time zone). An event shows nothing when it is cancelled,
/// transparent, or Microsoft's busy status says FREE, TENTATIVE or WORKINGELSEWHERE; it shows out of office when
/// Microsoft's busy status says OOF (X-MICROSOFT-CDO-BUSYSTATUS, what Exchange and Microsoft 365 write) or one of its
/// categories is an out-of-office category; otherwise it shows busy.
/// </summary>
public static class CalendarSchedule
{
    public const string ContentType = "text/calendar";

    /// <summary>The most a stored calendar may hold (characters).</summary>
    public const int MaxLength = 1 << 20;

    /// <summary>How far back and ahead occurrences are expanded at a time (an out-of-office of a month still counts).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(31);

    /// <summary>The categories that mean out of office when the event has no Microsoft busy status (compared ignoring case).</summary>
    public static readonly IReadOnlyList<string> DefaultOutOfOfficeCategories = ["Out of Office", "OOF", "Vacation", "Holiday"];

    /// <summary>True when <paramref name="text"/> is an iCalendar this server can read; otherwise the reason.</summary>
    public static bool TryValidate(string text, out string error)
    {
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty calendar";
            return false;
        }
        if (text.Length > MaxLength)
        {
            error = $"a calendar is at most {MaxLength} characters";
            return false;
        }
        try
        {
            var calendar = Ical.Net.Calendar.Load(text);
            if (calendar is null)
            {
                error = "not an iCalendar (RFC 5545) VCALENDAR";
                return false;
            }
            // Expanding a short span finds what the parser only meets then (an unknown TZID, a broken RRULE).
            _ = Expand(calendar, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), TimeZoneInfo.Utc, DefaultOutOfOfficeCategories).Count;
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = "not a readable iCalendar: " + ex.Message;
            return false;
        }
    }

    /// <summary>The occurrences that overlap [<paramref name="from"/>, <paramref name="to"/>), ordered by start.</summary>
    public static IReadOnlyList<CalendarBlock> Expand(
        string text, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, IReadOnlyList<string> outOfOfficeCategories)
    {
        var calendar = Ical.Net.Calendar.Load(text);
        return calendar is null ? [] : Expand(calendar, from, to, zone, outOfOfficeCategories);
    }

    private static List<CalendarBlock> Expand(
        Ical.Net.Calendar calendar, DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, IReadOnlyList<string> outOfOfficeCategories)
    {
        var blocks = new List<CalendarBlock>();
        // Occurrences come ordered by start; the first one past the window ends the walk (recurrences are unbounded).
        foreach (var occurrence in calendar.GetOccurrences<CalendarEvent>(new CalDateTime(from.UtcDateTime, "UTC")))
        {
            DateTimeOffset start = Utc(occurrence.Period.StartTime, zone);
            if (start >= to)
                break;
            if (occurrence.Source is not CalendarEvent e || ShowOf(e, outOfOfficeCategories) is not { } show)
                continue;
            var endTime = occurrence.Period.EffectiveEndTime;
            DateTimeOffset end = endTime is null ? start : Utc(endTime, zone);
            if (end <= start || end <= from)
                continue;
            blocks.Add(new CalendarBlock(start, end, show, string.IsNullOrWhiteSpace(e.Summary) ? null : e.Summary.Trim()));
            if (blocks.Count >= 10_000)
                break;
        }
        return blocks;
    }

    private static CalendarShow? ShowOf(CalendarEvent e, IReadOnlyList<string> outOfOfficeCategories)
    {
        if (string.Equals(e.Status, "CANCELLED", StringComparison.OrdinalIgnoreCase))
            return null;
        string? busy = e.Properties.Get<string>("X-MICROSOFT-CDO-BUSYSTATUS")?.Trim();
        if (busy is not null)
        {
            return busy.ToUpperInvariant() switch
            {
                "OOF" => CalendarShow.OutOfOffice,
                "BUSY" => CalendarShow.Busy,
                _ => null,
            };
        }
        if (e.Categories?.Any(c => outOfOfficeCategories.Contains(c.Trim(), StringComparer.OrdinalIgnoreCase)) == true)
            return CalendarShow.OutOfOffice;
        if (string.Equals(e.Transparency, "TRANSPARENT", StringComparison.OrdinalIgnoreCase))
            return null;
        return CalendarShow.Busy;
    }

    // A time with a zone (TZID or UTC) is that instant; a floating or all-day one is wall-clock time in the user's zone.
    private static DateTimeOffset Utc(CalDateTime time, TimeZoneInfo zone)
    {
        if (!time.IsFloating)
            return new DateTimeOffset(time.AsUtc, TimeSpan.Zero);
        DateTime local = DateTime.SpecifyKind(time.Value, DateTimeKind.Unspecified);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    /// <summary>
    /// What the blocks say at <paramref name="now"/>: out of office wins over a meeting; "until" is the end of the run of
    /// blocks of that kind that follow one another without a gap (back-to-back meetings are one busy afternoon).
    /// </summary>
    public static CalendarNow? At(IReadOnlyList<CalendarBlock> blocks, DateTimeOffset now, TimeZoneInfo zone)
    {
        foreach (var show in new[] { CalendarShow.OutOfOffice, CalendarShow.Busy })
        {
            var current = blocks.Where(b => b.Show == show && b.Start <= now && now < b.End).ToList();
            if (current.Count == 0)
                continue;
            DateTimeOffset until = current.Max(b => b.End);
            bool extended;
            do
            {
                extended = false;
                foreach (var b in blocks)
                {
                    if (b.Show == show && b.Start <= until && b.End > until)
                    {
                        until = b.End;
                        extended = true;
                    }
                }
            }
            while (extended);
            return new CalendarNow(show, until, NoteOf(show, until, now, zone));
        }
        return null;
    }

    /// <summary>When what the blocks say next changes after <paramref name="now"/> (a start or an end), or null.</summary>
    public static DateTimeOffset? NextChange(IReadOnlyList<CalendarBlock> blocks, DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        foreach (var b in blocks)
        {
            if (b.Start > now && (next is null || b.Start < next))
                next = b.Start;
            if (b.End > now && (next is null || b.End < next))
                next = b.End;
        }
        return next;
    }

    /// <summary>
    /// "In a meeting until 15:00" (the same day in the user's zone), "until Tue 09:30" (another day);
    /// "Out of office until Friday 11 December" (an end at midnight: the last day away), "until 15:00" (today),
    /// "until Mon 14 December 12:00".
    /// </summary>
    public static string NoteOf(CalendarShow show, DateTimeOffset until, DateTimeOffset now, TimeZoneInfo zone)
    {
        var culture = CultureInfo.InvariantCulture;
        DateTime end = TimeZoneInfo.ConvertTime(until, zone).DateTime;
        DateTime today = TimeZoneInfo.ConvertTime(now, zone).Date;
        if (show == CalendarShow.Busy)
            return "In a meeting until " + (end.Date == today ? end.ToString("HH:mm", culture) : end.ToString("ddd HH:mm", culture));
        if (end.TimeOfDay == TimeSpan.Zero)
            return "Out of office until " + end.AddDays(-1).ToString("dddd d MMMM", culture);
        return "Out of office until " + (end.Date == today ? end.ToString("HH:mm", culture) : end.ToString("ddd d MMMM HH:mm", culture));
    }
}
