using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Presence.Cli.Commands;

/// <summary>
/// presencectl dnd, alternatives and voicemail: a user's own settings, which its watchers see at once and which
/// decide where INVITE and MESSAGE go. Each answers with the user's presence after the change.
/// </summary>
public static class SettingsCommands
{
    public static Command Dnd(Presencectl app)
    {
        var setUser = Presencectl.UserArgument();
        var comment = new Option<string?>("--comment", "-m") { Description = "Why, shown to watchers in <note> and to callers in the 480's Warning" };
        var set = new Command("set", "Put a user in do-not-disturb") { setUser, comment };
        app.Bind(set, async (c, ct) => Changed(c,
            await c.Api.SendAsync(HttpMethod.Put, ApiClient.UserPath(c.Get(setUser), "/dnd"), new { comment = c.Get(comment) }, ct)));

        var clearUser = Presencectl.UserArgument();
        var clear = new Command("clear", "End a user's do-not-disturb") { clearUser };
        app.Bind(clear, async (c, ct) => Changed(c,
            await c.Api.SendAsync(HttpMethod.Delete, ApiClient.UserPath(c.Get(clearUser), "/dnd"), null, ct)));

        return new Command("dnd", "Set or clear a user's do-not-disturb, with a comment") { set, clear };
    }

    public static Command Alternatives(Presencectl app)
    {
        var setUser = Presencectl.UserArgument();
        var contacts = new Argument<AlternativeContact[]>("contact")
        {
            Description = "A sip, sips or tel URI, with its priority as ';q=0.8' at the end (default 1): tel:+15551234567;q=0.8",
            Arity = ArgumentArity.OneOrMore,
            CustomParser = ParseContacts,
        };
        var set = new Command("set", "Replace a user's alternative contacts: where to reach it while it is not registered") { setUser, contacts };
        app.Bind(set, async (c, ct) => Changed(c,
            await c.Api.SendAsync(HttpMethod.Put, ApiClient.UserPath(c.Get(setUser), "/alternative-contacts"), c.Get(contacts), ct)));

        var clearUser = Presencectl.UserArgument();
        var clear = new Command("clear", "Remove all of a user's alternative contacts") { clearUser };
        app.Bind(clear, async (c, ct) => Changed(c,
            await c.Api.SendAsync(HttpMethod.Put, ApiClient.UserPath(c.Get(clearUser), "/alternative-contacts"), Array.Empty<AlternativeContact>(), ct)));

        return new Command("alternatives", "Set or clear a user's alternative contacts (numbers to use when it is not registered)") { set, clear };
    }

    public static Command Voicemail(Presencectl app)
    {
        var setUser = Presencectl.UserArgument();
        var uri = new Argument<string>("uri") { Description = "Where calls go while the user is in do-not-disturb or unreachable: sip:vm@example.com" };
        var set = new Command("set", "Set a user's voicemail") { setUser, uri };
        app.Bind(set, async (c, ct) => Changed(c,
            await c.Api.SendAsync(HttpMethod.Put, ApiClient.UserPath(c.Get(setUser), "/voicemail"), new { uri = c.Get(uri) }, ct)));

        var clearUser = Presencectl.UserArgument();
        var clear = new Command("clear", "Remove a user's voicemail") { clearUser };
        app.Bind(clear, async (c, ct) => Changed(c,
            await c.Api.SendAsync(HttpMethod.Delete, ApiClient.UserPath(c.Get(clearUser), "/voicemail"), null, ct)));

        return new Command("voicemail", "Set or clear where a user's calls go while it cannot take them") { set, clear };
    }

    private static int Changed(CommandContext c, ApiResponse response) => c.Say<PresenceView>(response, PresenceText.Summary);

    /// <summary>
    /// "tel:+15551234567;q=0.8": only a last parameter named q is the priority; other parameters (";transport=tcp")
    /// belong to the URI. The server checks the URI itself.
    /// </summary>
    public static AlternativeContact[] ParseContacts(ArgumentResult result)
    {
        var contacts = new List<AlternativeContact>();
        foreach (var token in result.Tokens)
        {
            string text = token.Value.Trim();
            double priority = 1;
            int semicolon = text.LastIndexOf(';');
            if (semicolon > 0 && text[(semicolon + 1)..].StartsWith("q=", StringComparison.OrdinalIgnoreCase))
            {
                string q = text[(semicolon + 3)..];
                if (!double.TryParse(q, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out priority) || priority > 1)
                {
                    result.AddError($"'{token.Value}': the priority q is a number from 0 to 1.");
                    return [];
                }
                text = text[..semicolon];
            }
            contacts.Add(new AlternativeContact(text, priority));
        }
        return [.. contacts];
    }
}
