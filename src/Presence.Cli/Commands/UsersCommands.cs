using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Presence.Cli.Commands;

/// <summary>presencectl users: provisioning through /api/users (add, list, show, password, groups, disable, enable).</summary>
public static class UsersCommands
{
    public static Command Create(Presencectl app)
    {
        var users = new Command("users", "Provision users: their digest credentials, groups, and whether they may sign in");
        users.Subcommands.Add(Add(app));
        users.Subcommands.Add(List(app));
        users.Subcommands.Add(Show(app));
        users.Subcommands.Add(Password(app));
        users.Subcommands.Add(Groups(app));
        users.Subcommands.Add(SetDisabled(app, "disable", "Disable a user: its registrations and publications end at once, and its watchers are told", disabled: true));
        users.Subcommands.Add(SetDisabled(app, "enable", "Enable a disabled user again", disabled: false));
        return users;
    }

    private static Command Add(Presencectl app)
    {
        var user = Presencectl.UserArgument();
        var password = new PasswordOptions();
        var command = new Command("add", "Provision a user with a password (exit 1 if it exists already)") { user };
        password.AddTo(command);
        app.Bind(command, async (c, ct) =>
        {
            var response = await c.Api.SendAsync(HttpMethod.Post, "api/users", new { aor = c.Get(user), password = password.Read(c) }, ct);
            return c.Say<UserView>(response, u => $"added {u.Aor}");
        });
        return command;
    }

    private static Command List(Presencectl app)
    {
        var after = new Option<string?>("--after") { Description = "Start after this user (the last one of the previous page)", HelpName = "user" };
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many users (1 to 1000)", DefaultValueFactory = _ => 100 };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1000)
                r.AddError("--limit is between 1 and 1000.");
        });
        var command = new Command("list", "List users in address order, a page at a time") { after, limit };
        app.Bind(command, async (c, ct) =>
        {
            string query = $"api/users?limit={c.Get(limit)}" + (c.Get(after) is { } a ? "&after=" + Uri.EscapeDataString(a) : string.Empty);
            var response = await c.Api.GetAsync(query, ct);
            return c.Print<List<UserView>>(response, list =>
            {
                var table = new Table().AddColumns("user", "disabled", "groups", "created");
                foreach (var u in list)
                    table.AddRow(Markup.Escape(u.Aor), u.Disabled ? "yes" : "no", Markup.Escape(string.Join(", ", u.Groups ?? [])), Time(u.CreatedAt));
                c.Console.Rich().Write(table);
                // The hint goes to stderr, so that stdout stays the list itself.
                if (list.Count == c.Get(limit))
                    c.Console.Error.WriteLine($"more users may follow: --after {list[^1].Aor}");
            });
        });
        return command;
    }

    private static Command Show(Presencectl app)
    {
        var user = Presencectl.UserArgument();
        var command = new Command("show", "Show one user (exit 4 if there is none)") { user };
        app.Bind(command, async (c, ct) =>
            c.Print<UserView>(await c.Api.GetAsync(ApiClient.UserPath(c.Get(user)), ct), u => new FieldList()
                .Add("user", u.Aor)
                .Add("disabled", u.Disabled ? "yes" : "no")
                .Add("groups", u.Groups is { Count: > 0 } g ? string.Join(", ", g) : "none")
                .Add("created", Time(u.CreatedAt))
                .Add("changed", Time(u.ChangedAt))
                .WriteTo(c.Console.Out)));
        return command;
    }

    private static Command Password(Presencectl app)
    {
        var user = Presencectl.UserArgument();
        var password = new PasswordOptions();
        var command = new Command("password", "Set a user's password") { user };
        password.AddTo(command);
        app.Bind(command, async (c, ct) =>
        {
            var response = await c.Api.SendAsync(HttpMethod.Put, ApiClient.UserPath(c.Get(user), "/password"), new { password = password.Read(c) }, ct);
            return c.Say<UserView>(response, u => $"password of {u.Aor} changed");
        });
        return command;
    }

    private static Command Groups(Presencectl app)
    {
        var user = Presencectl.UserArgument();
        var groups = new Argument<string[]>("group") { Description = "The user's groups, for the central group rules (they replace the current ones)", Arity = ArgumentArity.ZeroOrMore };
        var clear = new Option<bool>("--clear") { Description = "Take the user out of every group" };
        var command = new Command("groups", "Set the groups a user belongs to") { user, groups, clear };
        // An empty list clears every group: say so explicitly rather than by forgetting the names.
        command.Validators.Add(r =>
        {
            bool some = r.GetValue(groups) is { Length: > 0 };
            if (some == r.GetValue(clear))
                r.AddError("Give the groups, or --clear for none.");
        });
        app.Bind(command, async (c, ct) =>
        {
            var response = await c.Api.SendAsync(HttpMethod.Put, ApiClient.UserPath(c.Get(user), "/groups"), c.Get(groups) ?? [], ct);
            return c.Say<UserView>(response, u => $"{u.Aor} is in " + (u.Groups is { Count: > 0 } g ? string.Join(", ", g) : "no group"));
        });
        return command;
    }

    private static Command SetDisabled(Presencectl app, string name, string description, bool disabled)
    {
        var user = Presencectl.UserArgument();
        var command = new Command(name, description) { user };
        app.Bind(command, async (c, ct) =>
        {
            var response = await c.Api.SendAsync(HttpMethod.Post, ApiClient.UserPath(c.Get(user), "/" + name), null, ct);
            return c.Say<UserView>(response, u => $"{u.Aor} {(disabled ? "disabled" : "enabled")}");
        });
        return command;
    }

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// --password on the line (simple, but visible in the process list and the shell's history) or
    /// --password-stdin (the first line of standard input); exactly one of them.
    /// </summary>
    private sealed class PasswordOptions
    {
        private readonly Option<string?> _password = new("--password", "-p") { Description = "The password (at least Auth:MinPasswordLength characters)" };
        private readonly Option<bool> _stdin = new("--password-stdin") { Description = "Read the password from the first line of standard input" };

        public void AddTo(Command command)
        {
            command.Options.Add(_password);
            command.Options.Add(_stdin);
            command.Validators.Add(r =>
            {
                if ((r.GetValue(_password) is not null) == r.GetValue(_stdin))
                    r.AddError("Give the password with --password or --password-stdin (one of them).");
            });
        }

        public string Read(CommandContext c) =>
            c.Get(_password) ?? c.Console.In.ReadLine()
            ?? throw new CliFailure(ExitCodes.Usage, "--password-stdin: standard input is empty");
    }
}
