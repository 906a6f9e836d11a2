using System.Text.Json;
using Presence.Cli.Tests.Infrastructure;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Cli.Tests;

/// <summary>presencectl users against the real server: every change is read back through the API.</summary>
[Collection(ServerCollection.Name)]
public sealed class UsersCommandTests(ServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Added_user_is_listed_and_reads_back()
    {
        var add = await Ctl.RunAsync(Server, "users", "add", "ann@users.test", "--password", "correct-horse");
        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Equal("added sip:ann@users.test", add.Out.Trim());
        Assert.Empty(add.Error);

        var list = await Ctl.RunAsync(Server, "users", "list", "--limit", "1000");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(list.Lines, l => l.Contains("sip:ann@users.test", StringComparison.Ordinal));

        using var json = JsonDocument.Parse((await Ctl.RunAsync(Server, "users", "list", "--limit", "1000", "--json")).Out);
        Assert.Contains(json.RootElement.EnumerateArray(), u => u.GetProperty("aor").GetString() == "sip:ann@users.test");

        var show = await Ctl.RunAsync(Server, "users", "show", "sip:ann@users.test");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("user:      sip:ann@users.test", show.Lines);
        Assert.Contains("disabled:  no", show.Lines);
    }

    [Fact]
    public async Task Adding_an_existing_user_or_a_short_password_is_refused_with_the_servers_reason()
    {
        Assert.Equal(0, (await Ctl.RunAsync(Server, "users", "add", "ben@users.test", "-p", "correct-horse")).ExitCode);

        var again = await Ctl.RunAsync(Server, "users", "add", "ben@users.test", "-p", "correct-horse");
        Assert.Equal(ExitCodes.Refused, again.ExitCode);
        Assert.Empty(again.Out);
        Assert.Equal("presencectl: server said 409 Conflict: sip:ben@users.test exists already.", again.Error.TrimEnd());

        var weak = await Ctl.RunAsync(Server, "users", "add", "bella@users.test", "-p", "short");
        Assert.Equal(ExitCodes.Refused, weak.ExitCode);
        Assert.Contains("at least 8 characters", weak.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, (await Ctl.RunAsync(Server, "users", "show", "bella@users.test")).ExitCode);
    }

    [Fact]
    public async Task Password_from_standard_input()
    {
        var add = await Ctl.RunRawAsync(
            ["--server", Server.HttpBase!.ToString(), "--token", ServerProcess.ApiToken, "users", "add", "cy@users.test", "--password-stdin"],
            stdin: "correct-horse\n");
        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Equal(0, (await Ctl.RunAsync(Server, "users", "show", "cy@users.test")).ExitCode);

        var both = await Ctl.RunAsync(Server, "users", "password", "cy@users.test", "-p", "correct-horse", "--password-stdin");
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
    }

    [Fact]
    public async Task Groups_are_set_and_cleared()
    {
        await Ctl.RunAsync(Server, "users", "add", "dee@users.test", "-p", "correct-horse");

        var set = await Ctl.RunAsync(Server, "users", "groups", "dee@users.test", "sales", "executives");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal("sip:dee@users.test is in sales, executives", set.Out.Trim());
        Assert.Equal(["sales", "executives"], Groups(await Ctl.RunAsync(Server, "users", "show", "dee@users.test", "--json")));

        Assert.Equal(ExitCodes.Usage, (await Ctl.RunAsync(Server, "users", "groups", "dee@users.test")).ExitCode);
        Assert.Equal(0, (await Ctl.RunAsync(Server, "users", "groups", "dee@users.test", "--clear")).ExitCode);
        Assert.Empty(Groups(await Ctl.RunAsync(Server, "users", "show", "dee@users.test", "--json")));
    }

    [Fact]
    public async Task Disable_and_enable_show_in_the_user()
    {
        await Ctl.RunAsync(Server, "users", "add", "eve@users.test", "-p", "correct-horse");

        var disable = await Ctl.RunAsync(Server, "users", "disable", "eve@users.test");
        Assert.Equal("sip:eve@users.test disabled", disable.Out.Trim());
        Assert.True(Disabled(await Ctl.RunAsync(Server, "users", "show", "eve@users.test", "--json")));

        var enable = await Ctl.RunAsync(Server, "users", "enable", "eve@users.test");
        Assert.Equal("sip:eve@users.test enabled", enable.Out.Trim());
        Assert.False(Disabled(await Ctl.RunAsync(Server, "users", "show", "eve@users.test", "--json")));
    }

    [Fact]
    public async Task List_pages_with_limit_and_after()
    {
        foreach (string name in new[] { "p1", "p2", "p3" })
            await Ctl.RunAsync(Server, "users", "add", $"{name}@paging.test", "-p", "correct-horse");

        var first = await Ctl.RunAsync(Server, "users", "list", "--after", "sip:p0@paging.test", "--limit", "2", "--json");
        using var page = JsonDocument.Parse(first.Out);
        Assert.Equal(["sip:p1@paging.test", "sip:p2@paging.test"], page.RootElement.EnumerateArray().Select(u => u.GetProperty("aor").GetString()));

        // A full page tells a person how to go on, on stderr, so that stdout stays the list.
        var human = await Ctl.RunAsync(Server, "users", "list", "--after", "sip:p0@paging.test", "--limit", "2");
        Assert.Equal(0, human.ExitCode);
        Assert.Equal("more users may follow: --after sip:p2@paging.test", human.Error.Trim());

        var next = await Ctl.RunAsync(Server, "users", "list", "--after", "sip:p2@paging.test", "--limit", "1", "--json");
        Assert.Equal("sip:p3@paging.test", JsonDocument.Parse(next.Out).RootElement[0].GetProperty("aor").GetString());
    }

    private static string[] Groups(CtlResult show) =>
        JsonDocument.Parse(show.Out).RootElement.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!).ToArray();

    private static bool Disabled(CtlResult show) => JsonDocument.Parse(show.Out).RootElement.GetProperty("disabled").GetBoolean();
}
