using System.Diagnostics;
using System.Globalization;
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
/// <remarks>
/// What linphonec needs here (found the hard way): its database directory must exist under HOME or it never opens a
/// SIP socket; automatic network monitoring must stay on or it never sends anything; a route to the server
/// (reg_route), or SUBSCRIBE and PUBLISH go to example.com by DNS; and default_proxy=0. linphonec has no command to set
/// its own presence (it always publishes open). Its console output is block-buffered into a pipe, so the test follows
/// its log (-l) as it goes and reads the console lines when it has quit.
/// </remarks>
public sealed class LinphoneInteropTests(ITestOutputHelper output)
{
    private const string LinphonecPath = "/usr/bin/linphonec";

    [Fact]
    public async Task Linphone_registers_publishes_and_subscribes_with_digest_and_shows_alices_changes()
    {
        Assert.True(File.Exists(LinphonecPath), "linphonec is not installed; ./test.sh installs it (apt-get install linphone-cli).");
        await using var server = await ServerProcess.StartAsync(auth: true);
        await server.ProvisionAsync("frank@example.com", "frank-linphone-secret");
        await server.ProvisionAsync("alice@example.com", "alice-secret");
        await using var alice = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "alice-secret") };

        string home = Directory.CreateTempSubdirectory("linphone-").FullName;
        Directory.CreateDirectory(Path.Combine(home, ".local", "share", "linphone"));
        string rc = Path.Combine(home, "linphonerc"), log = Path.Combine(home, "linphonec.log");
        int sipPort = ServerProcess.FreePort("127.0.0.1");
        string proxy = $"<sip:127.0.0.1:{server.Port};transport=udp>";
        await File.WriteAllTextAsync(rc, string.Join('\n',
            "[sip]", $"sip_port={sipPort.ToString(CultureInfo.InvariantCulture)}", "sip_tcp_port=0", "sip_tls_port=0", "use_ipv6=0", "default_proxy=0",
            "[proxy_0]", $"reg_proxy={proxy}", $"reg_route={proxy}", "reg_identity=sip:frank@example.com", "reg_expires=600",
            "reg_sendregister=1", "publish=1", "publish_expires=600",
            "[auth_info_0]", "username=frank", "userid=frank", "passwd=frank-linphone-secret", "realm=example.com", "algorithm=MD5",
            "[friend_0]", "url=\"Alice\" <sip:alice@example.com>", "pol=accept", "subscribe=1", ""));

        var start = new ProcessStartInfo(LinphonecPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = home,
        };
        start.Environment["HOME"] = home;
        foreach (string a in new[] { "-c", rc, "-d", "6", "-l", log })
            start.ArgumentList.Add(a);
        using var linphone = Process.Start(start)!;
        var stdout = linphone.StandardOutput.ReadToEndAsync();
        var stderr = linphone.StandardError.ReadToEndAsync();
        try
        {
            // frank registered (challenged, then MD5) and published: the server holds his binding and his publication.
            using var api = server.CreateApiClient();
            await WaitForAsync(async () =>
            {
                var presence = await api.GetFromJsonAsync<JsonElement>("/api/users/frank%40example.com/presence");
                return presence.GetProperty("registrations").GetArrayLength() == 1 && presence.GetProperty("publications").GetInt32() >= 1;
            }, "frank registered and published", log);
            Assert.Equal(200, (await alice.SubscribeAsync("sip:frank@example.com")).StatusCode);
            Assert.Equal("available", TestUserAgent.ExtendedOf(await alice.NextNotifyAsync()));

            // frank's subscription to alice: she is unreachable (closed), then registers (open), then goes do-not-disturb.
            await WaitForLogAsync(log, "has presence [closed]");
            Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
            await WaitForLogAsync(log, "has presence [open]");
            Assert.Equal(200, (await alice.PublishAsync("application/pidf+xml",
                "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\">"
                + "<tuple id=\"a\"><status><basic>closed</basic></status></tuple><note>In a meeting</note></presence>")).StatusCode);
            await WaitForLogAsync(log, "has presence [busy]");

            await linphone.StandardInput.WriteLineAsync("quit");
            await linphone.StandardInput.FlushAsync();
            using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
                await linphone.WaitForExitAsync(exit.Token);
            string console = await stdout + await stderr;
            output.WriteLine(console);
            // What frank's user reads on the console, in order: Offline, Online, Busy (the server's do-not-disturb is
            // closed with the RPID activity busy, which linphone shows as Busy).
            int offline = console.IndexOf("Friend \"Alice\" <sip:alice@example.com> is Offline", StringComparison.Ordinal);
            int online = console.IndexOf("Friend \"Alice\" <sip:alice@example.com> is Online", StringComparison.Ordinal);
            int busy = console.IndexOf("Friend \"Alice\" <sip:alice@example.com> is Busy", StringComparison.Ordinal);
            Assert.True(offline >= 0 && online > offline && busy > online, console);
            // Every request of frank's was challenged first and answered with MD5.
            string trace = await File.ReadAllTextAsync(log);
            Assert.Contains("algorithm=MD5", trace, StringComparison.Ordinal);
            Assert.DoesNotContain("algorithm=SHA-256", trace, StringComparison.Ordinal);
        }
        finally
        {
            if (!linphone.HasExited)
                linphone.Kill(entireProcessTree: true);
        }
    }

    private static async Task WaitForLogAsync(string log, string text) =>
        await WaitForAsync(async () => File.Exists(log) && (await LogFile.ReadAsync(log)).Contains(text, StringComparison.Ordinal), $"'{text}' in linphonec's log", log);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, string log)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"No {what} within 30 s. linphonec's log:\n" + (File.Exists(log) ? await LogFile.ReadAsync(log) : "(none)"));
            await Task.Delay(200);
        }
    }

}
