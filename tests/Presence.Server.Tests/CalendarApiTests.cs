using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests;

/// <summary>
/// The calendar as a presence source through the HTTP API (issue 17, first step: events pushed as iCalendar): a meeting
/// that starts a few seconds ahead turns a watcher's NOTIFY busy with its note at its start and back at its end; an
/// out-of-office event answers INVITE with 480 and its comment; the user's own do-not-disturb prevails.
/// </summary>
public sealed class CalendarApiTests
{
    private static Task<HttpResponseMessage> PutAsync(HttpClient api, string user, string calendar, string? zone = null) =>
        api.PutAsync($"/api/users/{user}/calendar" + (zone is null ? string.Empty : "?timeZone=" + Uri.EscapeDataString(zone)),
            new StringContent(calendar, Encoding.UTF8, "text/calendar"));

    [Fact]
    public async Task A_meeting_turns_the_watchers_notify_busy_at_its_start_and_back_at_its_end()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        using var api = server.CreateApiClient();
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");
        Assert.Equal(200, (await alice.RegisterAsync(expires: 600)).StatusCode);
        Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor)).StatusCode);
        Assert.Equal("available", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

        // Whole seconds, as iCalendar writes them: the meeting starts 4 s ahead and lasts 4 s.
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 4);
        var end = start.AddSeconds(4);
        var put = await PutAsync(api, "alice@example.com", ICalendarText.Calendar((start, end, "Planning", null)), "Europe/Berlin");
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var view = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Europe/Berlin", view.GetProperty("timeZone").GetString());
        Assert.Equal("Planning", view.GetProperty("upcoming")[0].GetProperty("summary").GetString());

        var busy = await bob.NextNotifyAsync(TimeSpan.FromSeconds(10));
        var heardAt = DateTimeOffset.UtcNow;
        Assert.Equal("busy", TestUserAgent.ExtendedOf(busy));
        string berlinEnd = TimeZoneInfo.ConvertTime(end, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).ToString("HH:mm", CultureInfo.InvariantCulture);
        Assert.Equal("In a meeting until " + berlinEnd, TestUserAgent.NoteOf(busy));
        Assert.Contains("meeting", Encoding.UTF8.GetString(busy.Body.Span), StringComparison.Ordinal);
        // On time: the user's grain timer fires at the start (milliseconds late on an idle machine; 2 s leaves room for a
        // loaded CI), not at some later poll.
        Assert.InRange(heardAt - start, TimeSpan.FromMilliseconds(-50), TimeSpan.FromSeconds(2));

        var back = await bob.NextNotifyAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("available", TestUserAgent.ExtendedOf(back));
        Assert.InRange(DateTimeOffset.UtcNow - end, TimeSpan.FromMilliseconds(-50), TimeSpan.FromSeconds(2));

        var history = await api.GetFromJsonAsync<JsonElement>("/api/users/alice@example.com/history");
        Assert.Contains(history.EnumerateArray(), e => e.GetProperty("cause").GetString() == "calendar" && e.GetProperty("status").GetString() == "busy");
    }

    [Fact]
    public async Task A_meeting_starting_after_a_restart_is_acted_on_by_the_due_sweeper_while_the_user_is_not_in_memory()
    {
        var server = await ServerProcess.StartAsync(auth: false);
        try
        {
            using (var api = server.CreateApiClient())
            {
                var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 12);
                var put = await PutAsync(api, "alice@example.com", ICalendarText.Calendar((start, start.AddHours(1), "Board meeting", null)));
                Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
                await using var alice = new TestUserAgent(server.Port, "alice");
                await using var bob = new TestUserAgent(server.Port, "bob");
                Assert.Equal(200, (await alice.RegisterAsync(expires: 3600)).StatusCode);
                Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor, expires: 3600)).StatusCode);
                Assert.Equal("available", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

                // The server dies and comes back: nothing brings Alice into memory before her meeting starts but her
                // stored due time, which the due sweeper reads.
                server = await server.CrashAndRestartAsync();
                SipMessage busy;
                while (TestUserAgent.ExtendedOf(busy = await bob.NextNotifyAsync(TimeSpan.FromSeconds(30))) == "available")
                {
                }
                Assert.Equal(("busy", true), (TestUserAgent.ExtendedOf(busy), TestUserAgent.NoteOf(busy)?.StartsWith("In a meeting until", StringComparison.Ordinal)));
                Assert.True(DateTimeOffset.UtcNow >= start.AddMilliseconds(-50), "busy before the meeting started");
            }
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Out_of_office_answers_invite_with_480_and_its_comment_and_the_users_own_dnd_prevails()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        using var api = server.CreateApiClient();
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var caller = new TestUserAgent(server.Port, "carol");
        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        var now = DateTimeOffset.UtcNow;
        var put = await PutAsync(api, "alice@example.com",
            ICalendarText.Calendar((now.AddMinutes(-5), now.AddDays(3).Date, "Holiday", "X-MICROSOFT-CDO-BUSYSTATUS:OOF")));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        var invite = await caller.InviteAsync(alice.Aor);
        Assert.Equal(480, invite.StatusCode);
        Assert.Contains("Out of office until", invite.GetFirst(HeaderId.Warning), StringComparison.Ordinal);
        var presence = await api.GetFromJsonAsync<JsonElement>("/api/users/alice@example.com/presence");
        Assert.Equal("donotdisturb", presence.GetProperty("status").GetString());

        // The user says do-not-disturb with its own comment: that is what callers read now.
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync("/api/users/alice@example.com/dnd", new { comment = "Back Monday, call Bob" })).StatusCode);
        Assert.Contains("Back Monday, call Bob", (await caller.InviteAsync(alice.Aor)).GetFirst(HeaderId.Warning), StringComparison.Ordinal);

        // The calendar goes: once the user's DND is cleared too, calls reach the phone again.
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync("/api/users/alice@example.com/calendar")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync("/api/users/alice@example.com/dnd")).StatusCode);
        Assert.Equal(302, (await caller.InviteAsync(alice.Aor)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/users/alice@example.com/calendar")).StatusCode);
    }

    [Fact]
    public async Task Bad_calendars_and_zones_are_refused_with_the_reason()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        using var api = server.CreateApiClient();
        var notIcs = await PutAsync(api, "alice@example.com", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n");
        Assert.Equal(HttpStatusCode.BadRequest, notIcs.StatusCode);
        var zone = await PutAsync(api, "alice@example.com", ICalendarText.Calendar((DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1), "x", null)), "Mars/Olympus");
        Assert.Equal(HttpStatusCode.BadRequest, zone.StatusCode);
        Assert.Contains("Mars/Olympus", await zone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var json = await api.PutAsJsonAsync("/api/users/alice@example.com/calendar", new { events = 1 });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
    }
}
