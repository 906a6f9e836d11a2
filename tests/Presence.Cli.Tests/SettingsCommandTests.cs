using System.Text.Json;
using Presence.Cli.Tests.Infrastructure;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Cli.Tests;

/// <summary>presencectl dnd, alternatives and voicemail: each change shows in the user's presence.</summary>
[Collection(ServerCollection.Name)]
public sealed class SettingsCommandTests(ServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Dnd_with_a_comment_shows_in_presence_get_and_clears()
    {
        var set = await Ctl.RunAsync(Server, "dnd", "set", "dora@settings.test", "--comment", "On holiday until Monday");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal("sip:dora@settings.test donotdisturb (closed): On holiday until Monday", set.Out.Trim());

        var get = await Ctl.RunAsync(Server, "presence", "get", "dora@settings.test");
        Assert.Equal(0, get.ExitCode);
        Assert.Contains("status:          donotdisturb (closed)", get.Lines);
        Assert.Contains("note:            On holiday until Monday", get.Lines);
        Assert.Contains("do not disturb:  on: On holiday until Monday", get.Lines);

        var json = Presence(await Ctl.RunAsync(Server, "presence", "get", "dora@settings.test", "--json"));
        Assert.Equal("donotdisturb", json.GetProperty("status").GetString());
        Assert.Equal("On holiday until Monday", json.GetProperty("doNotDisturb").GetProperty("comment").GetString());

        var pidf = await Ctl.RunAsync(Server, "presence", "get", "dora@settings.test", "--pidf");
        Assert.Contains("<po:extended>donotdisturb</po:extended>", pidf.Out, StringComparison.Ordinal);

        Assert.Equal(0, (await Ctl.RunAsync(Server, "dnd", "clear", "dora@settings.test")).ExitCode);
        var cleared = Presence(await Ctl.RunAsync(Server, "presence", "get", "dora@settings.test", "--json"));
        Assert.Equal("unreachable", cleared.GetProperty("status").GetString());
        Assert.False(cleared.GetProperty("doNotDisturb").GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Alternatives_take_their_priority_after_the_uri_and_make_an_unregistered_user_available()
    {
        var set = await Ctl.RunAsync(Server, "alternatives", "set", "alf@settings.test", "tel:+15551234567;q=0.8", "sip:alf@mobile.test;transport=tcp");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal("sip:alf@settings.test available (open)", set.Out.Trim());

        var json = Presence(await Ctl.RunAsync(Server, "presence", "get", "alf@settings.test", "--json"));
        var alternatives = json.GetProperty("alternativeContacts").EnumerateArray()
            .Select(a => (a.GetProperty("uri").GetString(), a.GetProperty("priority").GetDouble())).ToList();
        Assert.Contains(("tel:+15551234567", 0.8), alternatives);
        Assert.Contains(("sip:alf@mobile.test;transport=tcp", 1.0), alternatives);
        Assert.Contains("alternatives:    tel:+15551234567 (q=0.8)", (await Ctl.RunAsync(Server, "presence", "get", "alf@settings.test")).Lines);

        Assert.Equal(0, (await Ctl.RunAsync(Server, "alternatives", "clear", "alf@settings.test")).ExitCode);
        var cleared = Presence(await Ctl.RunAsync(Server, "presence", "get", "alf@settings.test", "--json"));
        Assert.Equal(0, cleared.GetProperty("alternativeContacts").GetArrayLength());
        Assert.Equal("unreachable", cleared.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Alternatives_that_are_not_contacts_are_refused()
    {
        var http = await Ctl.RunAsync(Server, "alternatives", "set", "alf@settings.test", "http://example.com");
        Assert.Equal(ExitCodes.Refused, http.ExitCode);
        Assert.Contains("is not a sip, sips or tel URI", http.Error, StringComparison.Ordinal);

        var priority = await Ctl.RunAsync(Server, "alternatives", "set", "alf@settings.test", "tel:+1555;q=2");
        Assert.Equal(ExitCodes.Usage, priority.ExitCode);
        Assert.Contains("from 0 to 1", priority.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Voicemail_is_set_and_cleared()
    {
        var set = await Ctl.RunAsync(Server, "voicemail", "set", "vic@settings.test", "sip:vm@settings.test");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal("sip:vm@settings.test", Presence(await Ctl.RunAsync(Server, "presence", "get", "vic@settings.test", "--json")).GetProperty("voicemail").GetString());

        Assert.Equal(0, (await Ctl.RunAsync(Server, "voicemail", "clear", "vic@settings.test")).ExitCode);
        Assert.Equal(JsonValueKind.Null,
            Presence(await Ctl.RunAsync(Server, "presence", "get", "vic@settings.test", "--json")).GetProperty("voicemail").ValueKind);

        var bad = await Ctl.RunAsync(Server, "voicemail", "set", "vic@settings.test", "nope");
        Assert.Equal(ExitCodes.Refused, bad.ExitCode);
        Assert.StartsWith("presencectl: server said 400 Bad Request: Give the voicemail", bad.Error, StringComparison.Ordinal);
    }

    private static JsonElement Presence(CtlResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Out).RootElement.Clone();
    }
}
