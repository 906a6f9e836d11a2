using System.Text.Json;
using Presence.Cli.Tests.Infrastructure;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Cli.Tests;

/// <summary>presencectl lists: put (arguments or an RFC 4826 file), show, get (table, --xml, --json), delete, and a
/// SIP subscriber of the list hearing the change.</summary>
[Collection(ServerCollection.Name)]
public sealed class ListCommandTests(ServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Lists_are_put_shown_read_as_xml_and_deleted_and_a_subscriber_hears_the_change()
    {
        var put = await Ctl.RunAsync(Server, "lists", "put", "lena@lists.test", "team", "Bob Smith=bob@lists.test", "carol@lists.test",
            "--display-name", "Team", "--subscriber", "mo@lists.test");
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Contains("sip:lena+team@lists.test (Team): 2 entries, 0 subscription(s), may subscribe: owner, sip:mo@lists.test", put.Lines);
        Assert.Contains(put.Lines, l => l.Contains("sip:bob@lists.test", StringComparison.Ordinal) && l.Contains("Bob Smith", StringComparison.Ordinal));

        // A subscriber the list names hears the list; then the owner adds a member and it hears the whole list again.
        await using var mo = new TestUserAgent(Server.Port, "mo", "lists.test");
        Assert.Equal(200, (await mo.SubscribeListAsync("sip:lena+team@lists.test")).StatusCode);
        Assert.Equal(2, ListNotification.Parse(await mo.NextNotifyAsync()).Resources.Count);
        var show = await Ctl.RunAsync(Server, "lists", "show", "lena@lists.test");
        Assert.Contains(show.Lines, l => l.Contains("sip:lena+team@lists.test", StringComparison.Ordinal) && l.Contains("sip:mo@lists.test", StringComparison.Ordinal));

        string file = Path.Combine(Path.GetTempPath(), $"team-{Guid.NewGuid():N}.xml");
        var xml = await Ctl.RunAsync(Server, "lists", "get", "lena@lists.test", "team", "--xml");
        Assert.Contains("<entry uri=\"sip:bob@lists.test\"><display-name>Bob Smith</display-name></entry>", xml.Out, StringComparison.Ordinal);
        await File.WriteAllTextAsync(file, xml.Out.Replace("</list>", "    <entry uri=\"sip:dan@lists.test\"/>\n  </list>", StringComparison.Ordinal));
        try
        {
            var fromFile = await Ctl.RunAsync(Server, "lists", "put", "lena@lists.test", "team", "--file", file);
            Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
            // The XML says nothing of subscribers: mo may still subscribe.
            Assert.Contains("may subscribe: owner, sip:mo@lists.test", fromFile.Out, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
        var full = ListNotification.Parse(await mo.NextNotifyAsync());
        Assert.True(full.FullState);
        Assert.Equal(["sip:bob@lists.test", "sip:carol@lists.test", "sip:dan@lists.test"], full.Resources.Select(r => r.Uri));

        using (var json = JsonDocument.Parse((await Ctl.RunAsync(Server, "lists", "get", "lena@lists.test", "team", "--json")).Out))
            Assert.Equal(1, json.RootElement.GetProperty("subscriptions").GetInt32());

        var bad = await Ctl.RunAsync(Server, "lists", "put", "lena@lists.test", "team", "not a user");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("not a user", bad.Error, StringComparison.Ordinal);

        Assert.Equal(0, (await Ctl.RunAsync(Server, "lists", "delete", "lena@lists.test", "team")).ExitCode);
        Assert.Equal("terminated;reason=noresource", (await mo.NextNotifyAsync()).GetFirst(Presence.Sip.Message.HeaderId.SubscriptionState));
        Assert.Equal("no lists", (await Ctl.RunAsync(Server, "lists", "show", "lena@lists.test")).Out.Trim());
        Assert.NotEqual(0, (await Ctl.RunAsync(Server, "lists", "delete", "lena@lists.test", "team")).ExitCode);
    }
}
