using System.CommandLine;
using Spectre.Console;

namespace Presence.Cli.Commands;

/// <summary>
/// presencectl cluster: Orleans' membership as the --server member sees it (GET /api/cluster), and drain
/// (<see cref="DrainCommand"/>). A single process says it is not clustered.
/// </summary>
public static class ClusterCommands
{
    private const string NotClustered = "not clustered: this server is a single process that serves every user itself";

    public static Command Create(Presencectl app) =>
        new("cluster", "The cluster's members, and draining a silo") { Members(app), DrainCommand.Create(app) };

    private static Command Members(Presencectl app)
    {
        var command = new Command("members", "List the silos and edges with their role, status and addresses");
        app.Bind(command, async (c, ct) =>
            c.Print<ClusterView>(await c.Api.GetAsync("api/cluster", ct), view =>
            {
                if (!view.Clustered)
                {
                    c.Console.Out.WriteLine(NotClustered);
                    return;
                }
                c.Console.Out.WriteLine(Headline(view));
                var table = new Table().AddColumns("member", "role", "status", "silo address", "http");
                foreach (var m in view.Members ?? [])
                {
                    table.AddRow(
                        Markup.Escape(m.Silo + (m.Self ? " (this one)" : string.Empty)), Markup.Escape(m.Role ?? "?"), Markup.Escape(m.Status),
                        Markup.Escape(m.Address), Markup.Escape(m.Http ?? "-"));
                }
                c.Console.Rich().Write(table);
            }));
        return command;
    }

    /// <summary>"seen from silo-a (silo, active): 3 active members of 4 listed".</summary>
    public static string Headline(ClusterView view)
    {
        var members = view.Members ?? [];
        int active = members.Count(m => m.Status == "active");
        return $"seen from {view.Self} ({view.Role}, {view.Status}): {active} active member{(active == 1 ? "" : "s")} of {members.Count} listed";
    }
}
