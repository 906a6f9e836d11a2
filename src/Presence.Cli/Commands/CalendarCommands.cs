using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Presence.Cli.Commands;

/// <summary>
/// presencectl calendar: a user's calendar as a presence source: what it shows now and next, events put as an iCalendar
/// file, or the source it is fetched from (an iCalendar feed URL or a CalDAV collection, with credentials).
/// </summary>
public static class CalendarCommands
{
    public static Command Create(Presencectl app)
    {
        var showUser = Presencectl.UserArgument();
        var show = new Command("show", "What the user's calendar shows now, its next events, and how its source's fetches went") { showUser };
        app.Bind(show, async (c, ct) => Show(c, await c.Api.GetAsync(ApiClient.UserPath(c.Get(showUser), "/calendar"), ct)));

        var putUser = Presencectl.UserArgument();
        var file = new Argument<FileInfo>("file") { Description = "An iCalendar file (RFC 5545, .ics): the user's calendar, replacing the last one" };
        var putZone = ZoneOption();
        var put = new Command("put", "Set the user's calendar from an iCalendar file") { putUser, file, putZone };
        app.Bind(put, async (c, ct) =>
        {
            string text = await File.ReadAllTextAsync(c.Get(file).FullName, ct);
            string path = ApiClient.UserPath(c.Get(putUser), "/calendar") + Zone(c.Get(putZone));
            return Show(c, await c.Api.SendTextAsync(HttpMethod.Put, path, text, "text/calendar", "application/json", ct));
        });

        var clearUser = Presencectl.UserArgument();
        var clear = new Command("clear", "Remove the user's calendar") { clearUser };
        app.Bind(clear, async (c, ct) => Done(c, await c.Api.SendAsync(HttpMethod.Delete, ApiClient.UserPath(c.Get(clearUser), "/calendar"), null, ct)));

        var sourceUser = Presencectl.UserArgument();
        var url = new Argument<string>("url") { Description = "An iCalendar feed (https://…/calendar.ics) or a CalDAV calendar collection (https://…/alice/work/)" };
        var username = new Option<string?>("--username", "-u") { Description = "HTTP Basic user name for the source" };
        var password = new Option<string?>("--password", "-p") { Description = "HTTP Basic password (visible in the process list; prefer --password-stdin)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input" };
        var sourceZone = ZoneOption();
        var set = new Command("set", "Fetch the user's calendar from a source, every Presence:Rules:CalendarPollInterval")
        {
            sourceUser, url, username, password, passwordStdin, sourceZone,
        };
        set.Validators.Add(r =>
        {
            if (r.GetValue(password) is not null && r.GetValue(passwordStdin))
                r.AddError("Give the password with --password or --password-stdin, not both.");
        });
        app.Bind(set, async (c, ct) =>
        {
            string? secret = c.Get(passwordStdin)
                ? c.Console.In.ReadLine() ?? throw new CliFailure(ExitCodes.Usage, "--password-stdin: standard input is empty")
                : c.Get(password);
            return Show(c, await c.Api.SendAsync(HttpMethod.Put, ApiClient.UserPath(c.Get(sourceUser), "/calendar/source"),
                new { url = c.Get(url), username = c.Get(username), password = secret, timeZone = c.Get(sourceZone) }, ct));
        });
        var unsetUser = Presencectl.UserArgument();
        var unset = new Command("clear", "Stop fetching the user's calendar (and remove what the source gave)") { unsetUser };
        app.Bind(unset, async (c, ct) => Done(c, await c.Api.SendAsync(HttpMethod.Delete, ApiClient.UserPath(c.Get(unsetUser), "/calendar/source"), null, ct)));
        var source = new Command("source", "Where the user's calendar is fetched from") { set, unset };

        return new Command("calendar", "A user's calendar as a presence source: meetings make it busy, out-of-office events do-not-disturb")
        {
            show, put, clear, source,
        };
    }

    private static Option<string?> ZoneOption() =>
        new("--time-zone", "-z") { Description = "The user's time zone (IANA, e.g. Europe/Berlin): for the notes' \"until\" and all-day events" };

    private static string Zone(string? zone) => zone is null ? string.Empty : "?timeZone=" + Uri.EscapeDataString(zone);

    private static int Done(CommandContext c, ApiResponse response)
    {
        c.Console.Out.WriteLine(c.Json ? (response.Text.Length == 0 ? "{}" : response.Text) : "removed");
        return ExitCodes.Ok;
    }

    private static int Show(CommandContext c, ApiResponse response) => c.Print<CalendarView>(response, view =>
    {
        c.Console.Out.WriteLine($"time zone: {view.TimeZone}");
        c.Console.Out.WriteLine(view.Show is null ? "now:       nothing" : $"now:       {view.Show}: {view.Note}");
        if (view.Source is { } s)
        {
            c.Console.Out.WriteLine($"source:    {s.Url}{(s.Username is null ? string.Empty : $" as {s.Username}")}"
                + $"{(s.LastSuccessAt is { } ok ? ", fetched " + Time(ok) : ", not fetched yet")}"
                + $"{(s.LastError is { } error ? $", FAILING ({s.Failures}x since {Time(s.LastErrorAt ?? DateTimeOffset.MinValue)}): {error}" : string.Empty)}");
        }
        if (view.Upcoming is not { Count: > 0 })
            return;
        var table = new Table().AddColumns("start", "end", "shows", "summary");
        foreach (var e in view.Upcoming)
            table.AddRow(Time(e.Start), Time(e.End), e.Show, Markup.Escape(e.Summary ?? string.Empty));
        c.Console.Rich().Write(table);
    });

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);
}
