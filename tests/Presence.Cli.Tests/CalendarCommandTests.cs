using System.Globalization;
using Presence.Cli.Tests.Infrastructure;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Cli.Tests;

/// <summary>presencectl calendar: an iCalendar file put and shown, a source set (its password read from standard input and
/// never shown) whose failing fetches show, and both cleared.</summary>
[Collection(ServerCollection.Name)]
public sealed class CalendarCommandTests(ServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    private static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_calendar_file_is_put_and_shown_and_a_failing_source_says_so()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        string file = Path.Combine(Path.GetTempPath(), $"cal-{Guid.NewGuid():N}.ics");
        await File.WriteAllTextAsync(file, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:a\r\n"
            + $"DTSTAMP:{Utc(start)}\r\nDTSTART:{Utc(start)}\r\nDTEND:{Utc(start.AddDays(3))}\r\nSUMMARY:Conference\r\n"
            + "X-MICROSOFT-CDO-BUSYSTATUS:OOF\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
        try
        {
            var put = await Ctl.RunAsync(Server, "calendar", "put", "cal@calendar.test", file, "--time-zone", "Europe/Berlin");
            Assert.True(put.ExitCode == 0, put.ToString());
            Assert.Contains("time zone: Europe/Berlin", put.Lines);
            Assert.Contains(put.Lines, l => l.StartsWith("now:       out-of-office: Out of office until", StringComparison.Ordinal));
            Assert.Contains(put.Lines, l => l.Contains("Conference", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
        Assert.Contains("status:          donotdisturb", (await Ctl.RunAsync(Server, "presence", "get", "cal@calendar.test")).Out, StringComparison.Ordinal);

        // A source nobody listens at: the password goes in on standard input and never comes out; the failure shows.
        int closed = ServerProcess.FreePort("127.0.0.1");
        var set = await Ctl.RunRawAsync(["--server", Server.HttpBase!.ToString(), "--token", ServerProcess.ApiToken, "calendar", "source", "set",
            "cal@calendar.test", $"http://127.0.0.1:{closed}/cal.ics", "--username", "cal", "--password-stdin", "--json"], stdin: "s3cret-pw\n");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.DoesNotContain("s3cret-pw", set.Out, StringComparison.Ordinal);
        CtlResult show;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(300);
            show = await Ctl.RunAsync(Server, "calendar", "show", "cal@calendar.test");
            Assert.True(DateTime.UtcNow < deadline, show.ToString());
        }
        while (!show.Out.Contains("FAILING", StringComparison.Ordinal));
        Assert.Contains($"source:    http://127.0.0.1:{closed}/cal.ics as cal", show.Out, StringComparison.Ordinal);

        Assert.Equal(0, (await Ctl.RunAsync(Server, "calendar", "source", "clear", "cal@calendar.test")).ExitCode);
        Assert.Equal(4, (await Ctl.RunAsync(Server, "calendar", "show", "cal@calendar.test")).ExitCode);
        Assert.Contains("status:          unreachable", (await Ctl.RunAsync(Server, "presence", "get", "cal@calendar.test")).Out, StringComparison.Ordinal);
    }
}
