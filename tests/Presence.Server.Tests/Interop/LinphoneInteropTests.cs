using System.Net.Http.Json;
using System.Text.Json;
using Presence.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Interop;

/// <summary>
/// linphone 5.1 (Debian 12's <c>linphonec</c>, on liblinphone 5.1) as frank, against the server with its defaults
/// (digest on): it registers and publishes (a proxy with publish=1 publishes "open" once registered), subscribes to its
/// friend alice, and prints each change of hers ("Friend "Alice" &lt;sip:alice@example.com&gt; is Busy").
/// </summary>
/// <remarks>How linphonec is set up: <see cref="Linphonec"/>.</remarks>
public sealed class LinphoneInteropTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Linphone_registers_publishes_and_subscribes_with_digest_and_shows_alices_changes()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        await server.ProvisionAsync("frank@example.com", "frank-linphone-secret");
        await server.ProvisionAsync("alice@example.com", "alice-secret");
        await using var alice = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "alice-secret") };

        await using var linphone = Linphonec.Start(server.Port, "frank", "frank-linphone-secret", friends: [("Alice", "sip:alice@example.com")]);
        {
            // frank registered (challenged, then MD5) and published: the server holds his binding and his publication.
            using var api = server.CreateApiClient();
            await linphone.WaitForAsync(async () =>
            {
                var presence = await api.GetFromJsonAsync<JsonElement>("/api/users/frank%40example.com/presence");
                return presence.GetProperty("registrations").GetArrayLength() == 1 && presence.GetProperty("publications").GetInt32() >= 1;
            }, "frank registered and published");
            Assert.Equal(200, (await alice.SubscribeAsync("sip:frank@example.com")).StatusCode);
            Assert.Equal("available", TestUserAgent.ExtendedOf(await alice.NextNotifyAsync()));

            // frank's subscription to alice: she is unreachable (closed), then registers (open), then goes do-not-disturb.
            await linphone.WaitForLogAsync("has presence [closed]");
            Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
            await linphone.WaitForLogAsync("has presence [open]");
            Assert.Equal(200, (await alice.PublishAsync("application/pidf+xml",
                "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\">"
                + "<tuple id=\"a\"><status><basic>closed</basic></status></tuple><note>In a meeting</note></presence>")).StatusCode);
            await linphone.WaitForLogAsync("has presence [busy]");

            string console = await linphone.QuitAsync();
            output.WriteLine(console);
            // What frank's user reads on the console, in order: Offline, Online, Busy (the server's do-not-disturb is
            // closed with the RPID activity busy, which linphone shows as Busy).
            int offline = console.IndexOf("Friend \"Alice\" <sip:alice@example.com> is Offline", StringComparison.Ordinal);
            int online = console.IndexOf("Friend \"Alice\" <sip:alice@example.com> is Online", StringComparison.Ordinal);
            int busy = console.IndexOf("Friend \"Alice\" <sip:alice@example.com> is Busy", StringComparison.Ordinal);
            Assert.True(offline >= 0 && online > offline && busy > online, console);
            // Every request of frank's was challenged first and answered with MD5.
            string trace = await linphone.ReadLogAsync();
            Assert.Contains("algorithm=MD5", trace, StringComparison.Ordinal);
            Assert.DoesNotContain("algorithm=SHA-256", trace, StringComparison.Ordinal);
        }
    }
}
