using System.Diagnostics;
using System.Globalization;
using Presence.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Interop;

/// <summary>
/// SIPp 3.6 (Debian's sip-tester) as a user, against the server with its defaults (digest on): carol registers,
/// publishes and subscribes to alice, each request challenged and answered with SIPp's [authentication] keyword, and
/// sees alice's do-not-disturb arrive (tests/tools/sipp/register.xml, publish.xml and subscribe.xml check every answer
/// and NOTIFY body).
/// </summary>
public sealed class SippInteropTests(ITestOutputHelper output)
{
    private const string SippPath = "/usr/bin/sipp";

    [Fact]
    public async Task Sipp_registers_publishes_and_subscribes_with_digest_and_sees_a_change()
    {
        Assert.True(File.Exists(SippPath), "SIPp is not installed; ./test.sh installs it (apt-get install sip-tester).");
        await using var server = await ServerProcess.StartAsync(auth: true);
        await server.ProvisionAsync("carol@example.com", "carol-sipp-secret");
        await server.ProvisionAsync("alice@example.com", "alice-secret");
        await using var alice = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "alice-secret") };
        await server.ProvisionAsync("bob@example.com", "bob-secret");
        await using var watcher = new TestUserAgent(server.Port, "bob") { Credentials = ("bob", "bob-secret") };
        string work = Directory.CreateTempSubdirectory("sipp-").FullName;

        // REGISTER and PUBLISH: each challenged, then accepted.
        foreach (var (scenario, uri) in new[] { ("register", "example.com"), ("publish", "carol@example.com") })
        {
            using var run = StartSipp(server.Port, work, scenario, uri);
            await WaitAsync(run.Process, TimeSpan.FromSeconds(30));
            string log = await LogFile.ReadAsync(run.Messages);
            output.WriteLine(log);
            Assert.True(run.Process.ExitCode == 0, $"SIPp {scenario} exited with {run.Process.ExitCode}:\n{log}\n{ReadIfAny(run.Errors)}");
            AssertChallengedThenAccepted(log);
        }
        // carol's publication counts: a watcher of carol sees her do-not-disturb with her note.
        Assert.Equal(200, (await watcher.SubscribeAsync("sip:carol@example.com")).StatusCode);
        var carol = await watcher.NextNotifyAsync();
        Assert.Equal("donotdisturb", TestUserAgent.ExtendedOf(carol));
        Assert.Contains("<note>Out to lunch</note>", System.Text.Encoding.UTF8.GetString(carol.Body.Span), StringComparison.Ordinal);

        // SUBSCRIBE to alice: once SIPp has its first NOTIFY, alice declares do-not-disturb, and SIPp's scenario waits
        // for the NOTIFY that says so, with her comment.
        string fields = Path.Combine(work, "watched.csv");
        await File.WriteAllTextAsync(fields, "SEQUENTIAL\nalice;\n");
        using var subscribe = StartSipp(server.Port, work, "subscribe", "alice@example.com", "-inf", fields);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (CountOf(await LogFile.ReadAsync(subscribe.Messages), "NOTIFY sip:") < 1)
        {
            Assert.True(DateTime.UtcNow < deadline && !subscribe.Process.HasExited,
                "SIPp got no first NOTIFY:\n" + await LogFile.ReadAsync(subscribe.Messages) + ReadIfAny(subscribe.Errors));
            await Task.Delay(100);
        }
        var dnd = await alice.PublishAsync("application/pidf+xml",
            "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\">"
            + "<tuple id=\"a\"><status><basic>closed</basic></status></tuple><note>Back at three</note></presence>");
        Assert.Equal(200, dnd.StatusCode);
        await WaitAsync(subscribe.Process, TimeSpan.FromSeconds(45));
        string subscribed = await LogFile.ReadAsync(subscribe.Messages);
        output.WriteLine(subscribed);
        Assert.True(subscribe.Process.ExitCode == 0, $"SIPp subscribe exited with {subscribe.Process.ExitCode}:\n{subscribed}\n{ReadIfAny(subscribe.Errors)}");
        AssertChallengedThenAccepted(subscribed);
        Assert.Equal(2, CountOf(subscribed, "NOTIFY sip:"));
    }

    // The request went out without credentials, got the server's MD5 challenge, went again with MD5 credentials
    // and got its 200 (a retransmission would show twice in the log).
    private static void AssertChallengedThenAccepted(string log)
    {
        Assert.True(CountOf(log, "SIP/2.0 401 Unauthorized") >= 1, log);
        Assert.True(CountOf(log, "Authorization: Digest username=\"carol\"") >= 1, log);
        Assert.Contains("algorithm=MD5", log, StringComparison.Ordinal);
        Assert.True(CountOf(log, "SIP/2.0 200 OK") >= 1, log);
    }

    private sealed record SippRun(Process Process, string Messages, string Errors) : IDisposable
    {
        public void Dispose()
        {
            if (!Process.HasExited)
                Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }

    // One call of tests/tools/sipp/SCENARIO.xml as carol, its messages and errors logged under WORK. SIPp puts "sip:" in
    // front of -auth_uri itself.
    private static SippRun StartSipp(int serverPort, string work, string scenario, string authUri, params string[] extra)
    {
        string messages = Path.Combine(work, scenario + "-messages.log"), errors = Path.Combine(work, scenario + "-errors.log");
        var start = new ProcessStartInfo(SippPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = work,
        };
        foreach (string a in new[]
        {
            "-sf", Path.Combine(Repository.Root, "tests", "tools", "sipp", scenario + ".xml"),
            "-s", "carol", "-au", "carol", "-ap", "carol-sipp-secret", "-auth_uri", authUri,
            "-i", "127.0.0.1", "-p", ServerProcess.FreePort("127.0.0.1").ToString(CultureInfo.InvariantCulture), "-t", "u1",
            "-m", "1", "-timeout", "40s", "-timeout_error", "-nostdin",
            "-trace_msg", "-message_file", messages, "-trace_err", "-error_file", errors,
        }.Concat(extra).Append($"127.0.0.1:{serverPort}"))
            start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        // SIPp's screens go to stdout; read them so that it never blocks on a full pipe.
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return new SippRun(process, messages, errors);
    }

    private static async Task WaitAsync(Process process, TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(wait.Token);
    }

    private static int CountOf(string text, string what)
    {
        int count = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    private static string ReadIfAny(string path) => File.Exists(path) ? File.ReadAllText(path) : string.Empty;
}
