using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Presence.Cli.Commands;

/// <summary>presencectl history: a user's composite-status changes, newest first, with what caused each.</summary>
public static class HistoryCommand
{
    public static Command Create(Presencectl app)
    {
        var user = Presencectl.UserArgument();
        var since = new Option<DateTimeOffset?>("--since")
        {
            Description = $"Only changes from then on: a time (2026-01-01T08:00:00Z) or a duration back from now ({Duration.Syntax})",
            HelpName = "when",
            CustomParser = Duration.SinceParser(app.Time),
        };
        var max = new Option<int>("--max", "-n") { Description = "At most this many entries (1 to 1000)", DefaultValueFactory = _ => 100 };
        max.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1000)
                r.AddError("--max is between 1 and 1000.");
        });
        var command = new Command("history", "List a user's status changes, newest first, with their cause") { user, since, max };
        app.Bind(command, async (c, ct) =>
        {
            string query = $"?limit={c.Get(max)}"
                + (c.Get(since) is { } from ? "&since=" + Uri.EscapeDataString(from.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)) : string.Empty);
            var response = await c.Api.GetAsync(ApiClient.UserPath(c.Get(user), "/history" + query), ct);
            return c.Print<List<HistoryView>>(response, entries =>
            {
                if (entries.Count == 0)
                {
                    c.Console.Out.WriteLine("no changes");
                    return;
                }
                var table = new Table().AddColumns("at", "status", "note", "cause");
                foreach (var e in entries)
                {
                    table.AddRow(
                        e.At.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                        Markup.Escape(e.Status), Markup.Escape(e.Note ?? string.Empty), Markup.Escape(e.Cause));
                }
                c.Console.Rich().Write(table);
            });
        });
        return command;
    }
}
