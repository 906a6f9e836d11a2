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
/// Calendars fetched from their source (issue 17): a CalDAV calendar collection on a real CalDAV server the test starts
/// (Debian's Radicale, HTTP Basic credentials), fetched every 2 s here; a meeting's start and end on time, an edit seen at
/// the next fetch, a source that goes away reported while its last good state stays in force; conditional requests.
/// </summary>
public sealed class CalendarSourceTests
{
    private static async Task<SipMessage> NotifyWithAsync(TestUserAgent watcher, string extended, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var notify = await watcher.NextNotifyAsync(within - deadline.Elapsed);
            if (TestUserAgent.ExtendedOf(notify) == extended)
                return notify;
        }
    }

    [Fact]
    public async Task A_caldav_calendar_makes_the_user_busy_on_time_edits_are_seen_and_a_source_that_goes_away_is_reported()
    {
        await using var radicale = await Radicale.StartAsync("alice", "caldav-secret");
        await radicale.MakeCalendarAsync("/alice/work/");
        // A daily stand-up since yesterday: today's occurrence starts 6 s from now and lasts 4 s.
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 6);
        await radicale.PutEventAsync("/alice/work/standup.ics", ICalendarText.Event("standup", start.AddDays(-1), start.AddDays(-1).AddSeconds(4), "Stand-up", "RRULE:FREQ=DAILY;COUNT=3"));

        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs: ["--Presence:Rules:CalendarPollInterval=00:00:02"]);
        using var api = server.CreateApiClient();
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");
        Assert.Equal(200, (await alice.RegisterAsync(expires: 600)).StatusCode);
        Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor)).StatusCode);
        Assert.Equal("available", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

        var put = await api.PutAsJsonAsync("/api/users/alice@example.com/calendar/source", new
        {
            url = $"http://127.0.0.1:{radicale.Port}/alice/work/", username = "alice", password = "caldav-secret", timeZone = "Europe/Berlin",
        });
        string shown = await put.Content.ReadAsStringAsync();
        Assert.True(put.IsSuccessStatusCode, shown);
        Assert.DoesNotContain("caldav-secret", shown, StringComparison.Ordinal);
        Assert.True(JsonDocument.Parse(shown).RootElement.GetProperty("source").GetProperty("hasPassword").GetBoolean());
        // Nor is it in the store in clear: it is kept encrypted (it must be sent again, so it cannot be hashed).
        foreach (string file in Directory.GetFiles(server.DataDirectory))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.DoesNotContain("caldav-secret", Encoding.UTF8.GetString(copy.ToArray()), StringComparison.Ordinal);
        }

        // Today's stand-up starts: busy at once (the grain's timer, not the next fetch), and available at its end.
        var busy = await NotifyWithAsync(bob, "busy", TimeSpan.FromSeconds(15));
        Assert.InRange(DateTimeOffset.UtcNow - start, TimeSpan.FromMilliseconds(-50), TimeSpan.FromSeconds(2));
        Assert.StartsWith("In a meeting until", TestUserAgent.NoteOf(busy), StringComparison.Ordinal);
        await NotifyWithAsync(bob, "available", TimeSpan.FromSeconds(8));
        Assert.InRange(DateTimeOffset.UtcNow - start.AddSeconds(4), TimeSpan.FromMilliseconds(-50), TimeSpan.FromSeconds(2));

        // A meeting is added and then cancelled by its organizer: each fetch sees the edit.
        await radicale.PutEventAsync("/alice/work/planning.ics", ICalendarText.Event("planning", DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(30), "Planning"));
        await NotifyWithAsync(bob, "busy", TimeSpan.FromSeconds(10));
        await radicale.DeleteAsync("/alice/work/planning.ics");
        await NotifyWithAsync(bob, "available", TimeSpan.FromSeconds(10));

        // An out-of-office is added, fetched, and then the CalDAV server goes away: the fetches fail and say so, and the
        // last good calendar stays in force (Alice stays out of office, calls get 480).
        await radicale.PutEventAsync("/alice/work/away.ics",
            ICalendarText.Event("away", DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(2), "Conference", "X-MICROSOFT-CDO-BUSYSTATUS:OOF"));
        Assert.StartsWith("Out of office until", TestUserAgent.NoteOf(await NotifyWithAsync(bob, "donotdisturb", TimeSpan.FromSeconds(10))), StringComparison.Ordinal);
        await radicale.DisposeAsync();
        var deadline = Stopwatch.StartNew();
        JsonElement source;
        do
        {
            await Task.Delay(500);
            source = (await api.GetFromJsonAsync<JsonElement>("/api/users/alice@example.com/calendar")).GetProperty("source");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15), "the failing source was never reported");
        }
        while (source.GetProperty("lastError").ValueKind == JsonValueKind.Null);
        Assert.True(source.GetProperty("failures").GetInt32() >= 1);
        var presence = await api.GetFromJsonAsync<JsonElement>("/api/users/alice@example.com/presence");
        Assert.Equal("donotdisturb", presence.GetProperty("status").GetString());
        await using var carol = new TestUserAgent(server.Port, "carol");
        var refused = await carol.InviteAsync(alice.Aor);
        Assert.Equal(480, refused.StatusCode);
        Assert.Contains("Out of office until", refused.GetFirst(HeaderId.Warning), StringComparison.Ordinal);
        // Alice's own do-not-disturb prevails: callers read her comment.
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync("/api/users/alice@example.com/dnd", new { comment = "Only urgent calls" })).StatusCode);
        Assert.Contains("Only urgent calls", (await carol.InviteAsync(alice.Aor)).GetFirst(HeaderId.Warning), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync("/api/users/alice@example.com/dnd")).StatusCode);

        // Removing the source removes what it gave.
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync("/api/users/alice@example.com/calendar/source")).StatusCode);
        await NotifyWithAsync(bob, "available", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Feeds_are_fetched_with_conditional_requests_and_bad_sources_are_refused()
    {
        // A feed that answers 304 when asked with the ETag it gave.
        using var listener = new HttpListener();
        int port = ServerProcess.FreePort("127.0.0.1");
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        int full = 0, notModified = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var feed = Task.Run(async () =>
        {
            byte[] body = Encoding.UTF8.GetBytes(ICalendarText.Event("m", DateTimeOffset.UtcNow.AddHours(1), DateTimeOffset.UtcNow.AddHours(2), "Later"));
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync().WaitAsync(stop.Token);
                }
                catch (Exception)
                {
                    return;
                }
                if (context.Request.Headers["If-None-Match"] == "\"v1\"")
                {
                    Interlocked.Increment(ref notModified);
                    context.Response.StatusCode = 304;
                }
                else
                {
                    Interlocked.Increment(ref full);
                    context.Response.Headers["ETag"] = "\"v1\"";
                    context.Response.ContentType = "text/calendar";
                    await context.Response.OutputStream.WriteAsync(body);
                }
                context.Response.Close();
            }
        });

        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs: ["--Presence:Rules:CalendarPollInterval=00:00:01"]);
        using var api = server.CreateApiClient();
        var put = await api.PutAsJsonAsync("/api/users/dana@example.com/calendar/source", new { url = $"http://127.0.0.1:{port}/dana.ics" });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref notModified) < 2)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"fetched {full} times in full, {notModified} times not modified");
            await Task.Delay(200);
        }
        Assert.Equal(1, Volatile.Read(ref full));
        var calendar = await api.GetFromJsonAsync<JsonElement>("/api/users/dana@example.com/calendar");
        Assert.Equal("Later", calendar.GetProperty("upcoming")[0].GetProperty("summary").GetString());
        Assert.Equal(JsonValueKind.Null, calendar.GetProperty("source").GetProperty("lastError").ValueKind);
        string metrics = await api.GetStringAsync("/metrics");
        Assert.Matches("presence_calendar_fetches_total\\{[^}]*outcome=\"not_modified\"\\} [1-9]", metrics);
        stop.Cancel();
        listener.Stop();
        await feed;

        Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsJsonAsync("/api/users/dana@example.com/calendar/source", new { url = "ftp://example.com/x.ics" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsJsonAsync("/api/users/dana@example.com/calendar/source", new { username = "x" })).StatusCode);
    }
}
