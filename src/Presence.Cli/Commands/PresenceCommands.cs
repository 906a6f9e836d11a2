using System.CommandLine;
using System.Globalization;

namespace Presence.Cli.Commands;

/// <summary>presencectl presence get and watch: a user's composite presence now, and live as it changes.</summary>
public static class PresenceCommands
{
    public static Command Create(Presencectl app) =>
        new("presence", "Read a user's presence, or follow it live") { Get(app), Watch(app) };

    private static Command Get(Presencectl app)
    {
        var user = Presencectl.UserArgument();
        var pidf = new Option<bool>("--pidf") { Description = "Print the PIDF document watchers get instead" };
        var command = new Command("get", "Show a user's composite presence: status, note, contacts and settings") { user, pidf };
        app.Bind(command, async (c, ct) =>
        {
            if (c.Get(pidf))
            {
                c.Console.Out.WriteLine((await c.Api.GetAsync(ApiClient.UserPath(c.Get(user), "/presence.pidf"), ct)).Text);
                return ExitCodes.Ok;
            }
            var response = await c.Api.GetAsync(ApiClient.UserPath(c.Get(user), "/presence"), ct);
            return c.Print<PresenceView>(response, p => PresenceText.Details(p, c.Console.Out));
        });
        return command;
    }

    private static Command Watch(Presencectl app)
    {
        var user = Presencectl.UserArgument();
        var count = new Option<int?>("--count", "-c") { Description = "Stop after this many lines (the first is the presence now)", HelpName = "n" };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1)
                r.AddError("--count is at least 1.");
        });
        var timeout = Duration.TimeoutOption($"Stop after this long ({Duration.Syntax})");
        var command = new Command(
            "watch",
            "Print a user's presence now, then a line on every change, until Ctrl+C, --count or --timeout (all exit 0). " +
            "With --json, one JSON document per line")
        { user, count, timeout };
        app.Bind(command, async (c, ct) =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (c.Get(timeout) is { } limit)
                stop.CancelAfter(limit);
            try
            {
                return await FollowAsync(c, c.Get(user), c.Get(count), stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Ctrl+C or --timeout: the operator stopped watching; that is how a watch ends.
                return ExitCodes.Ok;
            }
        });
        return command;
    }

    private static async Task<int> FollowAsync(CommandContext c, string user, int? count, CancellationToken ct)
    {
        using var response = await c.Api.OpenStreamAsync(ApiClient.UserPath(user, "/stream"), ct);
        int seen = 0;
        try
        {
            await foreach (var e in ServerSentEvent.ReadAllAsync(await response.Content.ReadAsStreamAsync(ct), ct))
            {
                if (e.Type != "presence")
                    continue;
                c.Console.Out.WriteLine(c.Json ? e.Data : Line(c, new ApiResponse(e.Data).Read<PresenceView>()));
                await c.Console.Out.FlushAsync(ct);
                if (++seen == count)
                    return ExitCodes.Ok;
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
        {
            throw new CliFailure(ExitCodes.Unavailable, $"lost the stream from {c.Api.Server}: {e.Message}");
        }
        throw new CliFailure(ExitCodes.Unavailable, $"{c.Api.Server} closed the stream");
    }

    private static string Line(CommandContext c, PresenceView p) =>
        c.Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) + " " + PresenceText.Summary(p);
}
