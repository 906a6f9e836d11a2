using System.Globalization;
using System.Text.Json;
using Presence.Cli.Tests.Infrastructure;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Cli.Tests;

/// <summary>presencectl history, watchers and rules against state made through the API and by a SIP watcher.</summary>
[Collection(ServerCollection.Name)]
public sealed class HistoryAndWatcherTests(ServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task History_lists_the_changes_newest_first_within_since_and_max()
    {
        await Ctl.RunAsync(Server, "dnd", "set", "hal@history.test", "-m", "first");
        await Ctl.RunAsync(Server, "dnd", "clear", "hal@history.test");
        await Ctl.RunAsync(Server, "dnd", "set", "hal@history.test", "-m", "second");

        var table = await Ctl.RunAsync(Server, "history", "hal@history.test");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(table.Lines, l => l.Contains("donotdisturb", StringComparison.Ordinal) && l.Contains("second", StringComparison.Ordinal));

        var all = Entries(await Ctl.RunAsync(Server, "history", "hal@history.test", "--since", "1h", "--json"));
        Assert.Equal(["second", null, "first"], all.Select(e => e.GetProperty("note").GetString()));
        Assert.All(all, e => Assert.Equal("settings", e.GetProperty("cause").GetString()));

        Assert.Single(Entries(await Ctl.RunAsync(Server, "history", "hal@history.test", "--max", "1", "--json")));

        string future = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        Assert.Empty(Entries(await Ctl.RunAsync(Server, "history", "hal@history.test", "--since", future, "--json")));
        Assert.Equal("no changes", (await Ctl.RunAsync(Server, "history", "hal@history.test", "--since", future)).Out.Trim());
    }

    [Fact]
    public async Task Presence_get_shows_the_dialogs_a_phone_published()
    {
        await using var phone = new TestUserAgent(Server.Port, "dee", "dialogs.test");
        const string dialogInfo = "<?xml version=\"1.0\"?><dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"0\" state=\"full\""
            + " entity=\"sip:dee@dialogs.test\"><dialog id=\"d7\" call-id=\"c7@192.0.2.7\" direction=\"recipient\"><state>early</state>"
            + "<remote><identity>sip:caller@example.com</identity></remote></dialog></dialog-info>";
        Assert.Equal(200, (await phone.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await phone.PublishAsync("application/dialog-info+xml", dialogInfo, @event: "dialog")).StatusCode);

        var get = await Ctl.RunAsync(Server, "presence", "get", "dee@dialogs.test");
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Contains("status:          ringing (open)", get.Lines);
        Assert.Contains("dialogs:         d7: early (recipient, sip:caller@example.com)", get.Lines);

        using var json = JsonDocument.Parse((await Ctl.RunAsync(Server, "presence", "get", "dee@dialogs.test", "--json")).Out);
        var dialog = Assert.Single(json.RootElement.GetProperty("dialogs").EnumerateArray().ToList());
        Assert.Equal(("d7", "c7@192.0.2.7", "recipient", "early", "sip:caller@example.com"), (
            dialog.GetProperty("id").GetString(), dialog.GetProperty("callId").GetString(), dialog.GetProperty("direction").GetString(),
            dialog.GetProperty("state").GetString(), dialog.GetProperty("remote").GetString()));
    }

    [Fact]
    public async Task Presence_get_shows_each_device_with_what_it_said_it_can_do()
    {
        await using var phone = new TestUserAgent(Server.Port, "dev", "devices.test");
        Assert.Equal(200, (await phone.SendAsync("REGISTER", "sip:devices.test", phone.Aor, phone.Aor,
            $"Contact: <{phone.Contact}>;audio;video=\"FALSE\";mobility=\"fixed\";+sip.instance=\"<urn:uuid:6f6c0a6e-0000-4000-8000-000000000001>\"\r\nExpires: 600\r\n")).StatusCode);

        var get = await Ctl.RunAsync(Server, "presence", "get", "dev@devices.test");
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Contains(get.Lines, l => l.StartsWith($"devices:         {phone.Contact}: audio; no video (fixed), expires in ", StringComparison.Ordinal)
            && l.EndsWith(" s [urn:uuid:6f6c0a6e-0000-4000-8000-000000000001]", StringComparison.Ordinal));

        using var json = JsonDocument.Parse((await Ctl.RunAsync(Server, "presence", "get", "dev@devices.test", "--json")).Out);
        var device = Assert.Single(json.RootElement.GetProperty("devices").EnumerateArray().ToList());
        var caps = device.GetProperty("capabilities");
        Assert.Equal((phone.Contact, "urn:uuid:6f6c0a6e-0000-4000-8000-000000000001", true, false, "fixed", JsonValueKind.Null), (
            device.GetProperty("contact").GetString(), device.GetProperty("deviceId").GetString(), caps.GetProperty("audio").GetBoolean(),
            caps.GetProperty("video").GetBoolean(), caps.GetProperty("mobility").GetString(), caps.GetProperty("message").ValueKind));
    }

    [Fact]
    public async Task Watchers_lists_a_sip_subscriber()
    {
        Assert.Equal("no watchers", (await Ctl.RunAsync(Server, "watchers", "wyn@rules.test")).Out.Trim());

        await using var bob = new TestUserAgent(Server.Port, "bob", "rules.test");
        Assert.Equal(200, (await bob.SubscribeAsync("sip:wyn@rules.test")).StatusCode);

        var table = await Ctl.RunAsync(Server, "watchers", "wyn@rules.test");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(table.Lines, l => l.Contains("sip:bob@rules.test", StringComparison.Ordinal) && l.Contains("active", StringComparison.Ordinal));

        using var json = JsonDocument.Parse((await Ctl.RunAsync(Server, "watchers", "wyn@rules.test", "--json")).Out);
        var watcher = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("sip:bob@rules.test", watcher.GetProperty("watcher").GetString());
        Assert.Equal("allow", watcher.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Rules_are_set_listed_and_deleted()
    {
        Assert.Equal("no rules", (await Ctl.RunAsync(Server, "rules", "list", "rita@rules.test")).Out.Trim());

        Assert.Equal(0, (await Ctl.RunAsync(Server, "rules", "set", "rita@rules.test", "@example.org", "block")).ExitCode);
        var set = await Ctl.RunAsync(Server, "rules", "set", "rita@rules.test", "bob@rules.test", "polite-block");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains(set.Lines, l => l.Contains("sip:bob@rules.test", StringComparison.Ordinal) && l.Contains("polite-block", StringComparison.Ordinal));

        Assert.Equal(0, (await Ctl.RunAsync(Server, "rules", "delete", "rita@rules.test", "@example.org")).ExitCode);
        using var json = JsonDocument.Parse((await Ctl.RunAsync(Server, "rules", "list", "rita@rules.test", "--json")).Out);
        var rule = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("sip:bob@rules.test", rule.GetProperty("watcher").GetString());
        Assert.Equal("polite-block", rule.GetProperty("action").GetString());

        Assert.Equal(ExitCodes.Usage, (await Ctl.RunAsync(Server, "rules", "set", "rita@rules.test", "bob@rules.test", "maybe")).ExitCode);
        var badWatcher = await Ctl.RunAsync(Server, "rules", "set", "rita@rules.test", "@", "allow");
        Assert.Equal(ExitCodes.Refused, badWatcher.ExitCode);
        Assert.Contains("A watcher is a user", badWatcher.Error, StringComparison.Ordinal);
    }

    private static List<JsonElement> Entries(CtlResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Out).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
