using System.Net.Http.Json;
using Presence.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Interop;

/// <summary>
/// linphone 5.1 (Debian 12's linphonec) with its friend list subscribed through a resource list server: one SUBSCRIBE to
/// its "rls_uri" carrying the friends (RFC 5367, deflated), NOTIFYs as RLMI multipart (RFC 4662), with the server's
/// defaults (digest on). Each friend is decided by that friend's own rules: carol blocks alice and never shows online.
/// </summary>
public sealed class LinphoneListInteropTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Linphone_subscribes_to_its_friend_list_through_the_rls_uri_and_shows_each_friends_status()
    {
        Assert.True(Linphonec.IsInstalled, "linphonec is not installed; ./test.sh installs it");
        await using var server = await ServerProcess.StartAsync(auth: true);
        await server.ProvisionAsync("alice@example.com", "alice-linphone-secret");
        await server.ProvisionAsync("bob@example.com", "bob-secret");
        await server.ProvisionAsync("carol@example.com", "carol-secret");
        using (var api = server.CreateApiClient())
        {
            var rule = await api.PutAsJsonAsync("/api/users/carol@example.com/rules", new { watcher = "alice@example.com", action = "block" });
            Assert.True(rule.IsSuccessStatusCode);
        }
        await using var bob = new TestUserAgent(server.Port, "bob") { Credentials = ("bob", "bob-secret") };
        await using var carol = new TestUserAgent(server.Port, "carol") { Credentials = ("carol", "carol-secret") };

        await using var linphone = Linphonec.Start(server.Port, "alice", "alice-linphone-secret",
            friends: [("Bob", "sip:bob@example.com"), ("Carol", "sip:carol@example.com")], rlsUri: "sip:rls@example.com");
        // The list's first NOTIFY (full state: both offline, carol refused) reaches the friend list.
        await linphone.WaitForLogAsync("Notify presence for list");

        Assert.Equal(200, (await bob.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await carol.RegisterAsync()).StatusCode);
        await linphone.WaitForAsync(async () => CountOf(await linphone.ReadLogAsync(), "Notify presence for list") >= 2, "a second list NOTIFY");
        Assert.Equal(200, (await bob.PublishAsync("application/pidf+xml",
            "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:bob@example.com\">"
            + "<tuple id=\"b\"><status><basic>closed</basic></status></tuple><note>In a meeting</note></presence>")).StatusCode);
        await linphone.WaitForAsync(async () => CountOf(await linphone.ReadLogAsync(), "Notify presence for list") >= 3, "a third list NOTIFY");
        // Let linphone print it before it quits (it prints from its main loop).
        await Task.Delay(500);

        string console = await linphone.QuitAsync();
        output.WriteLine(console);
        string trace = await linphone.ReadLogAsync();
        // linphone sent one SUBSCRIBE carrying its list (deflated), and answered our challenge with MD5.
        Assert.Contains("Require: recipient-list-subscribe", trace, StringComparison.Ordinal);
        Assert.Contains("Content-Encoding: deflate", trace, StringComparison.Ordinal);
        Assert.Contains("algorithm=MD5", trace, StringComparison.Ordinal);
        Assert.Contains("Content-Type: multipart/related;type=\"application/rlmi+xml\"", trace, StringComparison.Ordinal);
        Assert.DoesNotContain("Cannot find part with Content-Id", trace, StringComparison.Ordinal);

        // What alice reads on her console: Bob offline, online, then busy; Carol (who blocks her) never online.
        int offline = console.IndexOf("Friend \"Bob\" <sip:bob@example.com> is Offline", StringComparison.Ordinal);
        int online = console.IndexOf("Friend \"Bob\" <sip:bob@example.com> is Online", StringComparison.Ordinal);
        int busy = console.IndexOf("Friend \"Bob\" <sip:bob@example.com> is Busy", StringComparison.Ordinal);
        Assert.True(offline >= 0 && online > offline && busy > online, console);
        Assert.DoesNotContain("Friend \"Carol\" <sip:carol@example.com> is Online", console, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
            count++;
        return count;
    }
}
