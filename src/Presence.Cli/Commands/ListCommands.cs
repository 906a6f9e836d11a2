using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Presence.Cli.Commands;

/// <summary>
/// presencectl lists: a user's buddy lists (RFC 4826), each subscribed to with one SUBSCRIBE to its URI
/// (sip:alice+name@example.com, RFC 4662).
/// </summary>
public static class ListCommands
{
    private const string ResourceListsXml = "application/resource-lists+xml";

    public static Command Create(Presencectl app)
    {
        var showUser = Presencectl.UserArgument();
        var show = new Command("show", "List a user's lists: URI, entries, who else may subscribe, subscriptions now") { showUser };
        app.Bind(show, async (c, ct) => c.Print<List<ListView>>(await c.Api.GetAsync(ApiClient.UserPath(c.Get(showUser), "/lists"), ct), lists =>
        {
            if (lists.Count == 0)
            {
                c.Console.Out.WriteLine("no lists");
                return;
            }
            var table = new Table().AddColumns("name", "uri", "entries", "subscribers", "subscriptions");
            foreach (var l in lists)
            {
                table.AddRow(Markup.Escape(l.Name), Markup.Escape(l.Uri), (l.Entries?.Count ?? 0).ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(l.Subscribers is { Count: > 0 } s ? string.Join(", ", s) : "owner only"),
                    l.Subscriptions.ToString(CultureInfo.InvariantCulture));
            }
            c.Console.Rich().Write(table);
        }));

        var getUser = Presencectl.UserArgument();
        var getName = NameArgument();
        var xml = new Option<bool>("--xml") { Description = "Print the list as RFC 4826 XML (application/resource-lists+xml)" };
        var get = new Command("get", "Show one list's entries") { getUser, getName, xml };
        app.Bind(get, async (c, ct) =>
        {
            string path = ApiClient.UserPath(c.Get(getUser), "/lists/" + Uri.EscapeDataString(c.Get(getName)));
            if (c.Get(xml))
            {
                c.Console.Out.Write((await c.Api.SendTextAsync(HttpMethod.Get, path, null, null, ResourceListsXml, ct)).Text);
                return ExitCodes.Ok;
            }
            return Show(c, await c.Api.GetAsync(path, ct));
        });

        var putUser = Presencectl.UserArgument();
        var putName = NameArgument();
        var members = new Argument<string[]>("member")
        {
            Description = "The list's members (bob@example.com, or \"Bob Smith=bob@example.com\" with a display name)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var displayName = new Option<string?>("--display-name") { Description = "How the list is called (RLMI <name>)" };
        var subscribers = new Option<string[]>("--subscriber") { Description = "Another user who may subscribe to the list (repeat for more)", AllowMultipleArgumentsPerToken = true };
        var file = new Option<FileInfo?>("--file", "-f") { Description = "Take the list from an RFC 4826 XML file instead (keeps its subscribers)" };
        var put = new Command("put", "Create or replace a list; its subscribers hear the new list at once") { putUser, putName, members, displayName, subscribers, file };
        app.Bind(put, async (c, ct) =>
        {
            string path = ApiClient.UserPath(c.Get(putUser), "/lists/" + Uri.EscapeDataString(c.Get(putName)));
            if (c.Get(file) is { } xmlFile)
            {
                if (c.Get(members) is { Length: > 0 })
                    throw new CliFailure(ExitCodes.Usage, "give the members either as arguments or in --file, not both");
                string text = await File.ReadAllTextAsync(xmlFile.FullName, ct);
                return Show(c, await c.Api.SendTextAsync(HttpMethod.Put, path, text, ResourceListsXml, "application/json", ct));
            }
            var entries = c.Get(members).Select(Entry).ToArray();
            return Show(c, await c.Api.SendAsync(HttpMethod.Put, path,
                new { displayName = c.Get(displayName), entries, subscribers = c.Get(subscribers) ?? [] }, ct));
        });

        var deleteUser = Presencectl.UserArgument();
        var deleteName = NameArgument();
        var delete = new Command("delete", "Delete a list; its subscriptions end (terminated;reason=noresource)") { deleteUser, deleteName };
        app.Bind(delete, async (c, ct) =>
        {
            await c.Api.SendAsync(HttpMethod.Delete, ApiClient.UserPath(c.Get(deleteUser), "/lists/" + Uri.EscapeDataString(c.Get(deleteName))), null, ct);
            c.Console.Out.WriteLine(c.Json ? "{}" : "deleted");
            return ExitCodes.Ok;
        });

        return new Command("lists", "A user's buddy lists, each subscribed to as one SIP URI (RFC 4662 resource lists)") { show, get, put, delete };
    }

    private static Argument<string> NameArgument() =>
        new("name") { Description = "The list's name (letters, digits, '.', '_', '-'): its URI is the user's with \"+name\"" };

    // "Bob Smith=bob@example.com" or "bob@example.com".
    private static object Entry(string text)
    {
        int eq = text.LastIndexOf('=');
        return eq > 0 && !text[..eq].Contains('@', StringComparison.Ordinal)
            ? new { uri = text[(eq + 1)..].Trim(), displayName = (string?)text[..eq].Trim() }
            : new { uri = text.Trim(), displayName = (string?)null };
    }

    private static int Show(CommandContext c, ApiResponse response) => c.Print<ListView>(response, l =>
    {
        c.Console.Out.WriteLine($"{l.Uri}{(l.DisplayName is { } n ? $" ({n})" : string.Empty)}: {(l.Entries?.Count ?? 0)} entries, "
            + $"{l.Subscriptions} subscription(s), may subscribe: {(l.Subscribers is { Count: > 0 } s ? "owner, " + string.Join(", ", s) : "owner only")}");
        if (l.Entries is not { Count: > 0 })
            return;
        var table = new Table().AddColumns("member", "name");
        foreach (var e in l.Entries)
            table.AddRow(Markup.Escape(e.Uri), Markup.Escape(e.DisplayName ?? string.Empty));
        c.Console.Rich().Write(table);
    });
}
