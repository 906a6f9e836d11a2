using System.Diagnostics;
using System.Globalization;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// linphone 5.1 (Debian 12's <c>linphonec</c>, on liblinphone 5.1) run as one user against the server over UDP on
/// loopback, in its own HOME, with its SIP log (-d 6 -l) followed as it goes. Disposing it kills the process and
/// deletes its folder.
/// </summary>
/// <remarks>
/// What linphonec needs here (found the hard way): its database directory must exist under HOME or it never opens a
/// SIP socket; automatic network monitoring must stay on or it never sends anything; a route to the server
/// (reg_route), or SUBSCRIBE and PUBLISH go to example.com by DNS; and default_proxy=0. It has no command to set its
/// own presence (it always publishes open). Its console output is block-buffered into a pipe: read it when it has quit.
/// </remarks>
public sealed class Linphonec : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/linphonec";

    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private Linphonec(Process process, string home, string log)
    {
        Process = process;
        Home = home;
        LogPath = log;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public static bool IsInstalled => File.Exists(ExecutablePath);

    public Process Process { get; }

    public string Home { get; }

    /// <summary>linphonec's own log: its SIP trace among the rest.</summary>
    public string LogPath { get; }

    /// <summary>
    /// Starts linphonec as <c>sip:{user}@{domain}</c> with digest <paramref name="password"/> (MD5), registering
    /// for <paramref name="registerExpires"/> seconds and publishing; <paramref name="proxyLines"/> are added to its
    /// proxy section (e.g. <c>contact_parameters=audio;video</c>), <paramref name="friends"/> (display name, AOR)
    /// become friends it subscribes to: each on its own, or all in one SUBSCRIBE to <paramref name="rlsUri"/> that carries
    /// them (RFC 5367, liblinphone's friend list with an "rls_uri").
    /// </summary>
    public static Linphonec Start(
        int serverPort, string user, string password, int registerExpires = 600, IEnumerable<string>? proxyLines = null,
        IEnumerable<(string Name, string Aor)>? friends = null, string domain = "example.com", string? rlsUri = null)
    {
        if (!IsInstalled)
            throw new InvalidOperationException("linphonec is not installed; ./test.sh installs it (apt-get install linphone-cli).");
        string home = Directory.CreateTempSubdirectory("linphone-").FullName;
        Directory.CreateDirectory(Path.Combine(home, ".local", "share", "linphone"));
        string rc = Path.Combine(home, "linphonerc"), log = Path.Combine(home, "linphonec.log");
        int sipPort = ServerProcess.FreePort("127.0.0.1");
        string proxy = $"<sip:127.0.0.1:{serverPort.ToString(CultureInfo.InvariantCulture)};transport=udp>";
        var lines = new List<string>
        {
            "[sip]", $"sip_port={sipPort.ToString(CultureInfo.InvariantCulture)}", "sip_tcp_port=0", "sip_tls_port=0", "use_ipv6=0", "default_proxy=0",
            rlsUri is null ? string.Empty : "rls_uri=" + rlsUri,
            "[proxy_0]", $"reg_proxy={proxy}", $"reg_route={proxy}", $"reg_identity=sip:{user}@{domain}",
            $"reg_expires={registerExpires.ToString(CultureInfo.InvariantCulture)}", "reg_sendregister=1", "publish=1", "publish_expires=600",
        };
        lines.AddRange(proxyLines ?? []);
        lines.AddRange(["[auth_info_0]", $"username={user}", $"userid={user}", $"passwd={password}", $"realm={domain}", "algorithm=MD5"]);
        int n = 0;
        foreach (var (name, aor) in friends ?? [])
            lines.AddRange([$"[friend_{(n++).ToString(CultureInfo.InvariantCulture)}]", $"url=\"{name}\" <{aor}>", "pol=accept", "subscribe=1"]);
        File.WriteAllText(rc, string.Join('\n', lines) + "\n");

        var start = new ProcessStartInfo(ExecutablePath)
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
        return new Linphonec(Process.Start(start)!, home, log);
    }

    /// <summary>The log so far ("(none)" before linphonec wrote one).</summary>
    public async Task<string> ReadLogAsync() => File.Exists(LogPath) ? await LogFile.ReadAsync(LogPath) : "(none)";

    /// <summary>Waits up to 30 s for <paramref name="text"/> in the log.</summary>
    public Task WaitForLogAsync(string text) =>
        WaitForAsync(async () => (await ReadLogAsync()).Contains(text, StringComparison.Ordinal), $"'{text}' in linphonec's log");

    /// <summary>Waits up to 30 s for <paramref name="condition"/>; on timeout the message holds linphonec's log.</summary>
    public async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"No {what} within 30 s. linphonec's log:\n" + await ReadLogAsync());
            await Task.Delay(200);
        }
    }

    /// <summary>Types "quit" and waits for it to end (it unregisters first); returns what it printed.</summary>
    public async Task<string> QuitAsync()
    {
        await Process.StandardInput.WriteLineAsync("quit");
        await Process.StandardInput.FlushAsync();
        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
            await Process.WaitForExitAsync(exit.Token);
        return await _stdout + await _stderr;
    }

    /// <summary>Kills it at once, as a crash or a pulled cable would: no unregistration.</summary>
    public void Kill()
    {
        if (!Process.HasExited)
            Process.Kill(entireProcessTree: true);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Process.WaitForExitAsync();
        Process.Dispose();
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // A file still held: the temp folder is cleaned by the system.
        }
    }
}
