using System.CommandLine;
using Spectre.Console;

namespace Presence.Cli.Commands;

/// <summary>
/// presencectl cluster drain: POST /api/cluster/drain to one silo, then follow its GET /api/cluster until it has
/// handed over every partition (ownedPartitions 0, hasLeft true). The silo stays up as a forwarder; stopping it
/// afterwards loses nothing.
/// </summary>
public static class DrainCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create(Presencectl app)
    {
        var silo = new Option<Uri>("--silo-url")
        {
            Description = "The HTTP API of the silo to drain (each silo drains itself): http://10.0.0.5:8080",
            HelpName = "url",
            Required = true,
            CustomParser = GlobalOptions.ParseServer,
        };
        var timeout = Duration.TimeoutOption($"Give up waiting after this long, exit 5; the drain goes on ({Duration.Syntax}) [default: 10m]");
        var command = new Command(
            "drain",
            "Make a silo leave gracefully: it hands its partitions to the others, then only forwards. Shows the progress " +
            "until it has left. With --json, the silo's cluster document each time its partitions change")
        { silo, timeout };
        app.Bind(command, async (c, ct) =>
        {
            var started = (await c.Api.SendAsync(HttpMethod.Post, "api/cluster/drain", null, ct)).Read<DrainView>();
            var deadline = c.Time.GetUtcNow() + (c.Get(timeout) ?? TimeSpan.FromMinutes(10));
            try
            {
                ClusterView left = c.Json || !c.Console.IsTerminal
                    ? await FollowAsLinesAsync(c, deadline, ct)
                    : await FollowWithProgressAsync(c, started.OwnedPartitions, deadline, ct);
                if (!c.Json)
                    c.Console.Out.WriteLine($"{left.Self} has left: its partitions are served by the others; it only forwards now and may be stopped");
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw new CliFailure(ExitCodes.Interrupted, "stopped watching; the silo goes on draining (see cluster members)");
            }
        }, parse => parse.GetValue(silo));
        return command;
    }

    /// <summary>A progress bar of the partitions handed over, for a person at a terminal.</summary>
    private static async Task<ClusterView> FollowWithProgressAsync(CommandContext c, int initial, DateTimeOffset deadline, CancellationToken ct)
    {
        ClusterView? last = null;
        await c.Console.Rich().Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask("draining", maxValue: Math.Max(initial, 1));
                last = await PollUntilLeftAsync(c, deadline, (view, _) =>
                {
                    task.Value = Math.Clamp(initial - view.OwnedPartitions, 0, task.MaxValue);
                    task.Description = Markup.Escape($"{view.Self}: {view.OwnedPartitions} partitions left");
                }, ct);
                task.Value = task.MaxValue;
            });
        return last!;
    }

    /// <summary>One line each time the count changes, for logs and scripts (a progress bar would be noise there).</summary>
    private static Task<ClusterView> FollowAsLinesAsync(CommandContext c, DateTimeOffset deadline, CancellationToken ct)
    {
        int? shown = null;
        return PollUntilLeftAsync(c, deadline, (view, text) =>
        {
            if (shown == view.OwnedPartitions && !view.HasLeft)
                return;
            shown = view.OwnedPartitions;
            c.Console.Out.WriteLine(c.Json ? text : ClusterCommands.Headline(view));
        }, ct);
    }

    private static async Task<ClusterView> PollUntilLeftAsync(
        CommandContext c, DateTimeOffset deadline, Action<ClusterView, string> report, CancellationToken ct)
    {
        while (true)
        {
            var response = await c.Api.GetAsync("api/cluster", ct);
            var view = response.Read<ClusterView>();
            report(view, response.Text);
            if (view.HasLeft)
                return view;
            if (c.Time.GetUtcNow() >= deadline)
            {
                throw new CliFailure(ExitCodes.TimedOut,
                    $"{view.Self} still owns {view.OwnedPartitions} partitions; stopped waiting, the drain goes on (see cluster members)");
            }
            await Task.Delay(PollInterval, c.Time, ct);
        }
    }
}
