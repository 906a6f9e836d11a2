using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Presence.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Interop;

/// <summary>
/// Call state from the call proxy (issue 14): Debian's kamailio running <c>cluster-config/kamailio-callproxy</c> as
/// shipped (only its defines set), a real call through it from SIPp's built-in caller to a SIPp callee that rings and
/// answers, and a busy-lamp field (Perl Net::SIP, SUBSCRIBE Event: dialog) that sees alice's line ring, go busy and
/// come free. Kamailio's pua_dialoginfo PUBLISHes without credentials; the server trusts it by its address
/// (Auth:TrustedProxies), everything else stays authenticated.
/// </summary>
public sealed class KamailioCallProxyTests(ITestOutputHelper output)
{
    private const string Alice = "sip:alice@example.com";
    private const string Bob = "sip:bob@example.com";

    // Kamailio binds its own loopback address, so its PUBLISHes come from an address nothing else in the test uses.
    private const string ProxyAddress = "127.0.0.3";

    [Fact]
    public async Task A_call_through_kamailio_lights_alices_busy_lamp_ringing_then_busy_then_free()
    {
        KamailioEdge.EnsureInstalled();
        Assert.True(File.Exists("/usr/bin/sipp"), "SIPp is not installed; ./test.sh installs it (apt-get install sip-tester).");
        await using var server = await ServerProcess.StartAsync(auth: true, extraArgs: [$"--Auth:TrustedProxies={ProxyAddress}"]);
        await server.ProvisionAsync("alice@example.com", "alice-secret");
        await server.ProvisionAsync("bob@example.com", "bob-secret");
        // alice's phone is registered: a user nobody can reach shows unreachable, whatever its calls.
        await using var phone = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "alice-secret") };
        Assert.Equal(200, (await phone.RegisterAsync()).StatusCode);
        await using var lamp = await PerlSipClient.StartAsync(server.Port);
        await lamp.SendAsync($"auth {Bob} bob bob-secret");
        Assert.Equal(200, (await lamp.SendAsync($"subscribe {Bob} {Alice} 600 dialog")).Code);
        Assert.Equal("none", (await lamp.NextNotifyAsync()).Dialogs);

        string work = Directory.CreateTempSubdirectory("presence-callproxy-").FullName;
        string dbtext = Path.Combine(work, "dbtext");
        Directory.CreateDirectory(dbtext);
        foreach (string file in Directory.GetFiles(Path.Combine(Repository.Root, "cluster-config", "kamailio-callproxy", "dbtext")))
            File.Copy(file, Path.Combine(dbtext, Path.GetFileName(file)));
        int proxyPort = ServerProcess.FreePort(ProxyAddress), calleePort = ServerProcess.FreePort("127.0.0.1");
        string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

        using var kamailio = Start(KamailioEdge.ExecutablePath, work,
            "-DD", "-E", "-f", Path.Combine(Repository.Root, "cluster-config", "kamailio-callproxy", "kamailio.cfg"), "-Y", work, "-w", work,
            "-m", "32", "-M", "8",
            "-A", $"LISTEN=udp:{ProxyAddress}:{Number(proxyPort)}", "-A", $"CALLEE=sip:127.0.0.1:{Number(calleePort)}",
            "-A", $"PRESENCE_SERVER=sip:127.0.0.1:{Number(server.Port)}", "-A", $"PUA_DBTEXT={dbtext}");
        using var callee = Start("/usr/bin/sipp", work,
            "-sf", Path.Combine(Repository.Root, "tests", "tools", "sipp", "callee.xml"), "-i", "127.0.0.1", "-p", Number(calleePort),
            "-m", "1", "-timeout", "40s", "-nostdin");
        try
        {
            await WaitUntilProxyAnswersAsync(proxyPort, kamailio);

            // bob calls alice through the proxy: 180, 1.5 s of ringing, 200, 2 s of talk, BYE.
            using var caller = Start("/usr/bin/sipp", work,
                "-sn", "uac", "-s", "alice", "-i", "127.0.0.1", "-p", Number(ServerProcess.FreePort("127.0.0.1")), "-m", "1", "-d", "2000",
                "-timeout", "40s", "-nostdin", $"{ProxyAddress}:{Number(proxyPort)}");
            var ringing = await DialogPublishTests.NextWithDialogsAsync(lamp, d => d != "none");
            Assert.Equal("early", ringing.Dialogs);
            var talking = await DialogPublishTests.NextWithDialogsAsync(lamp, d => d == "confirmed");
            var free = await DialogPublishTests.NextWithDialogsAsync(lamp, d => d == "none");
            Assert.True(free.CSeq > talking.CSeq && talking.CSeq > ringing.CSeq);
            Assert.True(long.Parse(free.Version, CultureInfo.InvariantCulture) > long.Parse(ringing.Version, CultureInfo.InvariantCulture));

            using (var done = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                await caller.WaitForExitAsync(done.Token);
            Assert.True(caller.ExitCode == 0, "SIPp's caller failed (exit " + caller.ExitCode + "):\n" + KamailioLog);
        }
        finally
        {
            output.WriteLine(KamailioLog);
            foreach (var p in new[] { kamailio, callee })
            {
                if (!p.HasExited)
                    p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }
            // Kamailio's working directory (its copy of the dbtext tables) goes with the test.
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private readonly StringBuilder _kamailio = new();

    // What Kamailio logged so far (its stderr, with -E).
    private string KamailioLog
    {
        get
        {
            lock (_kamailio)
                return _kamailio.ToString();
        }
    }

    private Process Start(string path, string work, params string[] args)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = work,
        };
        foreach (string a in args)
            start.ArgumentList.Add(a);
        var process = new Process { StartInfo = start };
        bool isKamailio = path == KamailioEdge.ExecutablePath;
        process.OutputDataReceived += (_, e) => Keep(isKamailio, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(isKamailio, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Keep(bool isKamailio, string? line)
    {
        if (line is null || !isKamailio)
            return;
        lock (_kamailio)
            _kamailio.AppendLine(line);
    }

    // The proxy answers an OPTIONS to itself with 200 once it serves (its keepalive answer).
    private static async Task WaitUntilProxyAnswersAsync(int port, Process kamailio)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        using var client = new RawSipClient();
        var proxy = new IPEndPoint(IPAddress.Parse(ProxyAddress), port);
        while (true)
        {
            Assert.False(kamailio.HasExited, "Kamailio exited at start.");
            var answer = await client.SendUdpAsync(proxy, RawSipClient.Request("OPTIONS", $"sip:{ProxyAddress}:{port}", client.LocalPort), TimeSpan.FromMilliseconds(500));
            if (answer?.StatusCode == 200)
                return;
            Assert.True(DateTime.UtcNow < deadline, "Kamailio did not answer within 20 s.");
        }
    }
}
