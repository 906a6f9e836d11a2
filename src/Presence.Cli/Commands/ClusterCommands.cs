using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Presence.Cli.Commands;

/// <summary>
/// presencectl cluster: the membership as the --server member sees it (GET /api/cluster), the partitions' spread
/// over the silos, and drain (<see cref="DrainCommand"/>). A single process says it is not clustered.
/// </summary>
public static class ClusterCommands
{
    private const string NotClustered = "not clustered: this server is a single process that serves every user itself";

    public static Command Create(Presencectl app) =>
        new("cluster", "The cluster's members and partitions, and draining a silo") { Members(app), Partitions(app), DrainCommand.Create(app) };

    private static Command Members(Presencectl app)
    {
        var command = new Command("members", "List the silos and edges with their status, addresses and partitions");
        app.Bind(command, async (c, ct) =>
            c.Print<ClusterView>(await c.Api.GetAsync("api/cluster", ct), view =>
            {
                if (!view.Clustered)
                {
                    c.Console.Out.WriteLine(NotClustered);
                    return;
                }
                c.Console.Out.WriteLine(Headline(view));
                var table = new Table().AddColumns("silo", "role", "status", "sip", "http", "partitions", "lease expires");
                foreach (var m in view.Members ?? [])
                {
                    table.AddRow(
                        Markup.Escape(m.Silo), m.Role, m.Status, Markup.Escape(m.Sip), Markup.Escape(m.Http),
                        m.Partitions.ToString(CultureInfo.InvariantCulture),
                        m.LeaseExpires.ToUniversalTime().ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                }
                c.Console.Rich().Write(table);
            }));
        return command;
    }

    private static Command Partitions(Presencectl app)
    {
        var command = new Command("partitions", "Show each active silo's share of the partitions");
        app.Bind(command, async (c, ct) =>
            c.Print<ClusterView>(await c.Api.GetAsync("api/cluster", ct), view =>
            {
                if (!view.Clustered)
                {
                    c.Console.Out.WriteLine(NotClustered + " (it owns every partition)");
                    return;
                }
                var silos = (view.Members ?? []).Where(m => m.Role == "silo" && m.Status == "active").ToList();
                int total = silos.Sum(m => m.Partitions);
                var table = new Table().AddColumns("silo", "partitions", "share");
                foreach (var m in silos.OrderByDescending(m => m.Partitions))
                {
                    double share = total == 0 ? 0 : (double)m.Partitions / total;
                    table.AddRow(Markup.Escape(m.Silo), m.Partitions.ToString(CultureInfo.InvariantCulture), share.ToString("P1", CultureInfo.InvariantCulture));
                }
                c.Console.Out.WriteLine($"{total} partitions over {silos.Count} active silos (cluster version {view.Version})");
                c.Console.Rich().Write(table);
            }));
        return command;
    }

    /// <summary>"cluster version 7, seen from silo-a (silo): owns 2048 partitions, leaving".</summary>
    public static string Headline(ClusterView view)
    {
        var flags = new List<string> { $"owns {view.OwnedPartitions} partitions" };
        if (view.PendingHandovers > 0)
            flags.Add($"{view.PendingHandovers} handovers pending");
        if (view.HasLeft)
            flags.Add("has left");
        else if (view.Leaving)
            flags.Add("leaving");
        if (view.Fenced)
            flags.Add("fenced (cannot renew its lease)");
        return $"cluster version {view.Version}, seen from {view.Self} ({view.Role}): {string.Join(", ", flags)}";
    }
}
