using Presence.Core.Calendar;
using Presence.Core.Persistence;

namespace Presence.Core.Presentity;

/// <summary>The iCalendar a user's calendar source gave, and the zone its notes and floating times are read in.</summary>
public sealed record StoredCalendar(string Text, string TimeZone);

/// <summary>
/// The user's calendar as a presence source (issue 17): its events make the user busy (a meeting) or do-not-disturb (out
/// of office) while they run, below what the user declares and what its phones say (README "Presence from the
/// calendar"). The occurrences are expanded a window at a time; the user's next due time includes the next start or
/// end, so the change happens on time through the grain's timer, or the due sweeper when the user is not in memory.
/// </summary>
public sealed partial class Presentity
{
    private StoredCalendar? _calendar;
    private IReadOnlyList<CalendarBlock> _calendarBlocks = [];
    private DateTimeOffset _calendarWindowStart, _calendarWindowEnd;
    private DateTimeOffset? _calendarDueAt;

    public StoredCalendar? Calendar => _calendar;

    /// <summary>Sets (or, with null, removes) the user's calendar; watchers hear what it changes at once.</summary>
    public PresenceOutcome SetCalendar(string? text, string? timeZone, DateTimeOffset now)
    {
        Expire(now);
        if (text is null)
        {
            _calendar = null;
            Changes.Delete(PresentityItems.CalendarKind, string.Empty);
        }
        else
        {
            if (ZoneFor(timeZone, out string zone) is { } refused)
                return refused;
            if (!CalendarSchedule.TryValidate(text, out string error))
                return new PresenceOutcome(400, error);
            _calendar = new StoredCalendar(text, zone);
            Changes.Upsert(PresentityItems.CalendarKind, string.Empty, PresentityItems.Serialize(_calendar));
        }
        _calendarWindowEnd = default;
        RefreshCalendar(now);
        Recompute(now, "calendar");
        return new PresenceOutcome(200);
    }

    /// <summary>What the calendar says now, or null (no calendar, or no event now).</summary>
    public CalendarNow? CalendarAt(DateTimeOffset now)
    {
        if (_calendar is null)
            return null;
        RefreshCalendar(now);
        return CalendarSchedule.At(_calendarBlocks, now, ZoneOf(_calendar.TimeZone) ?? TimeZoneInfo.Utc);
    }

    /// <summary>The occurrences from <paramref name="now"/> on within the expanded window (for the API).</summary>
    public IReadOnlyList<CalendarBlock> CalendarAhead(DateTimeOffset now, int max)
    {
        if (_calendar is null)
            return [];
        RefreshCalendar(now);
        return [.. _calendarBlocks.Where(b => b.End > now).Take(max)];
    }

    // True when a calendar change is due at now (the due turn then recomputes with the cause "calendar").
    private bool CalendarDue(DateTimeOffset now)
    {
        if (_calendarDueAt is not { } due || due > now)
            return false;
        RefreshCalendar(now);
        return true;
    }

    // Expands the calendar when now leaves the expanded window (or it was never expanded) and sets the next due time.
    private void RefreshCalendar(DateTimeOffset now)
    {
        if (_calendar is null)
        {
            _calendarBlocks = [];
            _calendarDueAt = null;
            return;
        }
        var zone = ZoneOf(_calendar.TimeZone) ?? TimeZoneInfo.Utc;
        if (_calendarWindowEnd == default || now < _calendarWindowStart || now >= _calendarWindowEnd - TimeSpan.FromDays(1))
        {
            _calendarWindowStart = now - CalendarSchedule.Window;
            _calendarWindowEnd = now + CalendarSchedule.Window;
            try
            {
                _calendarBlocks = CalendarSchedule.Expand(_calendar.Text, _calendarWindowStart, _calendarWindowEnd, zone, CalendarSchedule.DefaultOutOfOfficeCategories);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // It was read when it was set; a calendar a later library cannot read shows nothing rather than failing the user.
                _calendarBlocks = [];
            }
        }
        // The next start or end, else the moment the window is to be expanded again.
        _calendarDueAt = CalendarSchedule.NextChange(_calendarBlocks, now) is { } next && next < _calendarWindowEnd - TimeSpan.FromDays(1)
            ? next
            : _calendarWindowEnd - TimeSpan.FromDays(1);
    }

    // The zone a calendar is read in: the one given, else the calendar's own, else the configured default; a 400 when unknown.
    private PresenceOutcome? ZoneFor(string? timeZone, out string zone)
    {
        zone = timeZone ?? _calendar?.TimeZone ?? _options.CalendarTimeZone;
        return ZoneOf(zone) is null ? new PresenceOutcome(400, $"Unknown time zone '{zone}' (an IANA name such as Europe/Berlin)") : null;
    }

    private static TimeZoneInfo? ZoneOf(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }
}

public sealed partial class Presentity
{
    private CalendarSource? _calendarSource;
    private DateTimeOffset? _calendarPollAt;

    public CalendarSource? CalendarSource => _calendarSource;

    /// <summary>Sets (or, with null, removes along with what it gave) the source the user's calendar is fetched from; the
    /// first fetch is due at once.</summary>
    public PresenceOutcome SetCalendarSource(CalendarSource? source, string? timeZone, DateTimeOffset now)
    {
        Expire(now);
        if (source is null)
        {
            bool had = _calendarSource is not null;
            _calendarSource = null;
            _calendarPollAt = null;
            Changes.Delete(PresentityItems.CalendarSourceKind, string.Empty);
            return had ? SetCalendar(null, null, now) : new PresenceOutcome(200);
        }
        if (!CalendarSource.IsFetchable(source.Url))
            return new PresenceOutcome(400, "A calendar source is an http or https URL");
        if (ZoneFor(timeZone, out string zone) is { } refused)
            return refused;
        _calendarSource = source with { ETag = null, LastModified = null, LastPollAt = null, LastError = null, LastErrorAt = null, Failures = 0 };
        Changes.Upsert(PresentityItems.CalendarSourceKind, string.Empty, PresentityItems.Serialize(_calendarSource));
        if (_calendar is { } calendar && calendar.TimeZone != zone)
        {
            _calendar = calendar with { TimeZone = zone };
            Changes.Upsert(PresentityItems.CalendarKind, string.Empty, PresentityItems.Serialize(_calendar));
            _calendarWindowEnd = default;
            RefreshCalendar(now);
            Recompute(now, "calendar");
        }
        else if (_calendar is null)
        {
            // The zone waits with an empty calendar until the first fetch fills it.
            _calendar = new StoredCalendar("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Presence.Orleans//EN\r\nEND:VCALENDAR\r\n", zone);
            Changes.Upsert(PresentityItems.CalendarKind, string.Empty, PresentityItems.Serialize(_calendar));
            RefreshCalendar(now);
        }
        _calendarPollAt = now;
        return new PresenceOutcome(200);
    }

    /// <summary>
    /// The source to fetch now, if a fetch is due: the host fetches it (conditionally) outside the turn and hands back the
    /// outcome (<see cref="CalendarFetched"/>). The next fetch is then a poll interval away, so one lost on the way (a
    /// silo died) is simply made again.
    /// </summary>
    public CalendarSource? TakeCalendarPoll(DateTimeOffset now)
    {
        if (_calendarSource is null || _calendarPollAt is not { } due || due > now)
            return null;
        _calendarPollAt = now + _options.CalendarPollInterval;
        return _calendarSource;
    }

    /// <summary>A fetch's outcome: a changed calendar replaces the last one (watchers hear what that changes); a failure is
    /// recorded and leaves the last good calendar in force until its events end.</summary>
    public void CalendarFetched(string url, CalendarFetch fetch, DateTimeOffset now)
    {
        if (_calendarSource is not { } source || source.Url != url)
            return;
        CalendarSource updated;
        string error = string.Empty;
        if (fetch.Status == CalendarFetchStatus.Changed && fetch.Text is { } text && CalendarSchedule.TryValidate(text, out error))
        {
            updated = source with { ETag = fetch.ETag, LastModified = fetch.LastModified, LastPollAt = now, LastSuccessAt = now, LastError = null, Failures = 0 };
            string zone = _calendar?.TimeZone ?? _options.CalendarTimeZone;
            if (_calendar?.Text != text)
            {
                _calendar = new StoredCalendar(text, zone);
                Changes.Upsert(PresentityItems.CalendarKind, string.Empty, PresentityItems.Serialize(_calendar));
                _calendarWindowEnd = default;
                RefreshCalendar(now);
                Recompute(now, "calendar");
            }
        }
        else if (fetch.Status == CalendarFetchStatus.NotModified)
        {
            updated = source with { LastPollAt = now, LastSuccessAt = now, LastError = null, Failures = 0 };
        }
        else
        {
            string reason = fetch.Status == CalendarFetchStatus.Changed ? "the source's calendar is not readable: " + error : fetch.Error ?? "failed";
            updated = source with { LastPollAt = now, LastError = reason, LastErrorAt = now, Failures = source.Failures + 1 };
        }
        _calendarSource = updated;
        Changes.Upsert(PresentityItems.CalendarSourceKind, string.Empty, PresentityItems.Serialize(updated));
    }
}
