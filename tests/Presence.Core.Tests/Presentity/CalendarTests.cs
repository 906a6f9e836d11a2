using Presence.Core.Calendar;
using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>
/// The calendar as a presence source (issue 17): iCalendar read with Ical.Net (recurrences, exceptions, overrides, time
/// zones), what events show, and how the composite takes them: below what the user and its phones declare.
/// </summary>
public sealed class CalendarTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static string Calendar(params string[] events) =>
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + string.Concat(events) + "END:VCALENDAR\r\n";

    private static string Event(string uid, string start, string end, string summary, params string[] more) =>
        $"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART{start}\r\nDTEND{end}\r\nSUMMARY:{summary}\r\n"
        + string.Concat(more.Select(m => m + "\r\n")) + "END:VEVENT\r\n";

    [Fact]
    public void A_weekly_meeting_in_berlin_time_with_an_exception_and_a_moved_occurrence_is_expanded()
    {
        // Mondays 10:00-11:00 Berlin from 7 Dec 2026; 14 Dec cancelled (EXDATE); 21 Dec moved to 14:00-15:00.
        string text = Calendar(
            Event("standup", ";TZID=Europe/Berlin:20261207T100000", ";TZID=Europe/Berlin:20261207T110000", "Standup",
                "RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=Europe/Berlin:20261214T100000"),
            Event("standup", ";TZID=Europe/Berlin:20261221T140000", ";TZID=Europe/Berlin:20261221T150000", "Standup (moved)",
                "RECURRENCE-ID;TZID=Europe/Berlin:20261221T100000"));
        var blocks = CalendarSchedule.Expand(text, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 12, 29, 0, 0, 0, TimeSpan.Zero), Berlin, CalendarSchedule.DefaultOutOfOfficeCategories);
        Assert.Equal(
            [("2026-12-07T09:00Z", "Standup"), ("2026-12-21T13:00Z", "Standup (moved)"), ("2026-12-28T09:00Z", "Standup")],
            blocks.Select(b => (b.Start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture), b.Summary)));
        Assert.All(blocks, b => Assert.Equal((CalendarShow.Busy, TimeSpan.FromHours(1)), (b.Show, b.End - b.Start)));
    }

    [Fact]
    public void What_an_event_shows_follows_microsofts_busy_status_categories_transparency_and_status()
    {
        string text = Calendar(
            Event("oof", ";VALUE=DATE:20261207", ";VALUE=DATE:20261212", "Holiday", "X-MICROSOFT-CDO-BUSYSTATUS:OOF"),
            Event("free", ":20261207T120000Z", ":20261207T130000Z", "Lunch", "X-MICROSOFT-CDO-BUSYSTATUS:FREE"),
            Event("tentative", ":20261207T140000Z", ":20261207T150000Z", "Maybe", "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE"),
            Event("transparent", ":20261207T150000Z", ":20261207T160000Z", "Reminder", "TRANSP:TRANSPARENT"),
            Event("cancelled", ":20261207T160000Z", ":20261207T170000Z", "Called off", "STATUS:CANCELLED"),
            Event("vacation", ":20261214T080000Z", ":20261214T170000Z", "Away", "CATEGORIES:Vacation"),
            Event("review", ":20261207T170000Z", ":20261207T180000Z", "Review"));
        var blocks = CalendarSchedule.Expand(text, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.Zero), Berlin, CalendarSchedule.DefaultOutOfOfficeCategories);
        Assert.Equal(["Holiday", "Review", "Away"], blocks.Select(b => b.Summary));
        Assert.Equal([CalendarShow.OutOfOffice, CalendarShow.Busy, CalendarShow.OutOfOffice], blocks.Select(b => b.Show));
        // An all-day event is read in the user's zone: Monday 00:00 Berlin is Sunday 23:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 23, 0, 0, TimeSpan.Zero), blocks[0].Start);
    }

    [Fact]
    public void Notes_say_until_when_in_the_users_zone()
    {
        var monday = new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
        Assert.Equal("In a meeting until 15:00", CalendarSchedule.NoteOf(CalendarShow.Busy, monday.AddHours(5), monday, Berlin));
        Assert.Equal("In a meeting until Tue 09:30", CalendarSchedule.NoteOf(CalendarShow.Busy, new DateTimeOffset(2026, 12, 8, 8, 30, 0, TimeSpan.Zero), monday, Berlin));
        Assert.Equal("Out of office until Friday 11 December",
            CalendarSchedule.NoteOf(CalendarShow.OutOfOffice, new DateTimeOffset(2026, 12, 11, 23, 0, 0, TimeSpan.Zero), monday, Berlin));
    }

    [Fact]
    public void Back_to_back_meetings_are_one_busy_spell_and_out_of_office_wins()
    {
        var at = new DateTimeOffset(2026, 12, 7, 9, 30, 0, TimeSpan.Zero);
        CalendarBlock[] blocks =
        [
            new(at.AddMinutes(-30), at.AddMinutes(30), CalendarShow.Busy, "A"),
            new(at.AddMinutes(30), at.AddMinutes(90), CalendarShow.Busy, "B"),
            new(at.AddHours(3), at.AddHours(4), CalendarShow.Busy, "C"),
        ];
        var now = CalendarSchedule.At(blocks, at, TimeZoneInfo.Utc);
        Assert.Equal((CalendarShow.Busy, at.AddMinutes(90), "In a meeting until 11:00"), (now!.Show, now.Until, now.Note));
        Assert.Equal(at.AddMinutes(30), CalendarSchedule.NextChange(blocks, at));
        var oof = CalendarSchedule.At([.. blocks, new(at.AddHours(-1), at.AddDays(2), CalendarShow.OutOfOffice, "Away")], at, TimeZoneInfo.Utc);
        Assert.Equal(CalendarShow.OutOfOffice, oof!.Show);
    }

    [Fact]
    public void The_composite_takes_the_calendar_below_what_the_user_and_its_phones_say_and_changes_on_time()
    {
        var h = new PresentityHarness { Now = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero) };
        // Reachable all day through an alternative number (a registration would run out between the steps).
        h.User.SetSettings(h.User.Settings with { AlternativeContacts = [new AlternativeContact("tel:+4930123", 1)] }, h.Now);
        Assert.Equal(200, h.User.SetCalendar(Calendar(
            Event("m", ":20261207T090000Z", ":20261207T100000Z", "Planning"),
            Event("o", ":20261207T120000Z", ":20261207T140000Z", "Dentist", "X-MICROSOFT-CDO-BUSYSTATUS:OOF")), "Europe/Berlin", h.Now).StatusCode);
        Assert.Equal(ExtendedStatus.Available, h.Status);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero), h.User.NextDueAt);
        h.Take();

        // 09:00: the meeting starts; the watcher-facing composite is busy with the note and the activity meeting.
        h.Advance(TimeSpan.FromHours(1));
        var meeting = h.User.Composite(h.Now);
        Assert.Equal((ExtendedStatus.Busy, "In a meeting until 11:00", "meeting"), (meeting.Status, meeting.Note, meeting.Activities.Single()));
        Assert.Equal("calendar", Assert.Single(h.Take().History).Cause);
        // The user's own DND prevails over the meeting, and returns to it when cleared.
        h.User.SetSettings(h.User.Settings with { DoNotDisturb = true, DndComment = "Focus" }, h.Now);
        Assert.Equal((ExtendedStatus.DoNotDisturb, "Focus"), (h.User.Composite(h.Now).Status, h.User.Composite(h.Now).Note));
        h.User.SetSettings(h.User.Settings with { DoNotDisturb = false, DndComment = null }, h.Now);
        Assert.Equal(ExtendedStatus.Busy, h.Status);

        // 10:00: over; 12:00: out of office, and calls get 480 with the note, even when the user is reachable nowhere.
        h.Advance(TimeSpan.FromHours(1));
        Assert.Equal(ExtendedStatus.Available, h.Status);
        h.Advance(TimeSpan.FromHours(2));
        h.User.SetSettings(h.User.Settings with { AlternativeContacts = [] }, h.Now);
        var away = h.User.Composite(h.Now);
        Assert.Equal((ExtendedStatus.DoNotDisturb, "Out of office until 15:00"), (away.Status, away.Note));
        var call = h.User.Route(h.Now, new Composite.CallerPreferences([], [], "INVITE", false));
        Assert.Equal((480, "Out of office until 15:00"), (call.StatusCode, call.Comment));
        h.Advance(TimeSpan.FromHours(2));
        Assert.Equal(ExtendedStatus.Unreachable, h.Status);
    }

    [Fact]
    public void A_calendar_survives_a_load_and_bad_calendars_or_zones_are_refused()
    {
        var rows = new StoredRows();
        var user = new Core.Presentity.Presentity("sip:alice@example.com");
        var now = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
        user.SetCalendar(Calendar(Event("m", ":20261207T090000Z", ":20261207T100000Z", "Planning")), null, now);
        rows.Apply(user.TakeChanges());
        var loaded = rows.Load("sip:alice@example.com", now.AddHours(1.5));
        Assert.Equal("UTC", loaded.Calendar!.TimeZone);
        Assert.Equal("In a meeting until 10:00", loaded.CalendarAt(now.AddHours(1.5))!.Note);

        Assert.Equal(400, user.SetCalendar("not a calendar", null, now).StatusCode);
        Assert.Equal(400, user.SetCalendar(Calendar(Event("m", ":20261207T090000Z", ":20261207T100000Z", "x")), "Mars/Olympus", now).StatusCode);
        Assert.Equal(200, user.SetCalendar(null, null, now).StatusCode);
        Assert.Null(user.Calendar);
    }
}
