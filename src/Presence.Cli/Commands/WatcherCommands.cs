using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Presence.Cli.Commands;

/// <summary>presencectl watchers and rules: who watches a user, and the user's own rules for who may.</summary>
public static class WatcherCommands
{
    private static readonly string[] Actions = ["allow", "confirm", "polite-block", "block"];

    public static Command Watchers(Presencectl app)
    {
        var user = Presencectl.UserArgument();
        var command = new Command("watchers", "List who watches a user: state (active, pending) and the decision applied") { user };
        app.Bind(command, async (c, ct) =>
            c.Print<List<WatcherView>>(await c.Api.GetAsync(ApiClient.UserPath(c.Get(user), "/watchers"), ct), watchers =>
            {
                if (watchers.Count == 0)
                {
                    c.Console.Out.WriteLine("no watchers");
                    return;
                }
                var table = new Table().AddColumns("watcher", "state", "decision", "expires in");
                foreach (var w in watchers)
                    table.AddRow(Markup.Escape(w.Watcher), w.State, w.Decision, w.ExpiresIn.ToString(CultureInfo.InvariantCulture) + " s");
                c.Console.Rich().Write(table);
            }));
        return command;
    }

    public static Command Rules(Presencectl app)
    {
        var listUser = Presencectl.UserArgument();
        var list = new Command("list", "List a user's rules") { listUser };
        app.Bind(list, async (c, ct) => Show(c, await c.Api.GetAsync(ApiClient.UserPath(c.Get(listUser), "/rules"), ct)));

        var setUser = Presencectl.UserArgument();
        var setWatcher = WatcherArgument();
        var action = new Argument<string>("action") { Description = "allow, confirm, polite-block or block" };
        action.AcceptOnlyFromAmong(Actions);
        var set = new Command("set", "Set the rule for a watcher or a domain; existing subscriptions follow it at once") { setUser, setWatcher, action };
        app.Bind(set, async (c, ct) => Show(c, await c.Api.SendAsync(
            HttpMethod.Put, ApiClient.UserPath(c.Get(setUser), "/rules"), new { watcher = c.Get(setWatcher), action = c.Get(action) }, ct)));

        var deleteUser = Presencectl.UserArgument();
        var deleteWatcher = WatcherArgument();
        var delete = new Command("delete", "Remove the rule for a watcher or a domain (the central policy decides again)") { deleteUser, deleteWatcher };
        app.Bind(delete, async (c, ct) => Show(c, await c.Api.SendAsync(
            HttpMethod.Delete, ApiClient.UserPath(c.Get(deleteUser), "/rules?watcher=" + Uri.EscapeDataString(c.Get(deleteWatcher))), null, ct)));

        return new Command("rules", "A user's own rules for its watchers: allow, confirm, polite-block or block") { list, set, delete };
    }

    private static Argument<string> WatcherArgument() =>
        new("watcher") { Description = "A watcher (bob@example.com) or a whole domain (@example.org)" };

    // Every rules call answers with the user's rules as they are now.
    private static int Show(CommandContext c, ApiResponse response) =>
        c.Print<List<RuleView>>(response, rules =>
        {
            if (rules.Count == 0)
            {
                c.Console.Out.WriteLine("no rules");
                return;
            }
            var table = new Table().AddColumns("watcher", "action");
            foreach (var r in rules)
                table.AddRow(Markup.Escape(r.Watcher), r.Action);
            c.Console.Rich().Write(table);
        });
}
