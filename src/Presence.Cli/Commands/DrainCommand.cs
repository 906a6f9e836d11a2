using System.CommandLine;

namespace Presence.Cli.Commands;

/// <summary>
/// presencectl cluster drain: POST /api/cluster/drain to one silo, which then leaves the cluster gracefully (it takes
/// no new requests and finishes those in progress, its users leave memory, Orleans marks it leaving, then dead, and
/// the others serve its users from what it acknowledged) and its process ends. Follows the membership on --server
/// (another member) until the silo is gone from it; when --server is the silo itself, until the silo stops answering.
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
            "Make a silo leave the cluster gracefully: the others take its users over from what it acknowledged, and its " +
            "process ends. Follows the membership as --server sees it until the silo has left. With --json, the silo's " +
            "member row at each change")
        { silo, timeout };
        app.Bind(command, async (c, ct) =>
        {
            Uri target = c.Get(silo);
            DrainView started;
            using (var siloApi = c.Api.For(target))
                started = (await siloApi.SendAsync(HttpMethod.Post, "api/cluster/drain", null, ct)).Read<DrainView>();
            var deadline = c.Time.GetUtcNow() + (c.Get(timeout) ?? TimeSpan.FromMinutes(10));
            try
            {
                bool watchingItself = c.Api.Server == target;
                string name = await PollUntilGoneAsync(c, started.Silo, watchingItself, deadline, ct);
                if (!c.Json)
                    c.Console.Out.WriteLine($"{name} has left: the other silos serve its users; its process ends");
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw new CliFailure(ExitCodes.Interrupted, "stopped watching; the silo goes on draining (see cluster members)");
            }
        });
        return command;
    }

    // One line per change of the silo's status as the watching member sees it; gone from the membership (or, when the
    // silo watches itself, no longer answering) is left.
    private static async Task<string> PollUntilGoneAsync(
        CommandContext c, string address, bool watchingItself, DateTimeOffset deadline, CancellationToken ct)
    {
        string name = address;
        string? shown = null;
        while (true)
        {
            ApiResponse response;
            try
            {
                response = await c.Api.GetAsync("api/cluster", ct);
            }
            catch (CliFailure failure) when (watchingItself && failure.ExitCode == ExitCodes.Unavailable)
            {
                return name;
            }
            var row = response.Read<ClusterView>().Members?.FirstOrDefault(m => m.Address == address);
            if (row is not null)
                name = row.Silo;
            string status = row?.Status ?? "gone";
            if (status != shown)
            {
                shown = status;
                c.Console.Out.WriteLine(c.Json ? System.Text.Json.JsonSerializer.Serialize(row, System.Text.Json.JsonSerializerOptions.Web) : $"{name}: {status}");
            }
            if (status is "dead" or "gone")
                return name;
            if (c.Time.GetUtcNow() >= deadline)
                throw new CliFailure(ExitCodes.TimedOut, $"{name} is still {status}; stopped waiting, the drain goes on (see cluster members)");
            await Task.Delay(PollInterval, c.Time, ct);
        }
    }
}
