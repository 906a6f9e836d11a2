using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// Debian's kamailio running the repository's own edge example, <c>cluster-config/kamailio/kamailio.cfg</c>, in the
/// foreground on a free loopback port, with a dispatcher list of the given silos in a temporary folder. The
/// configuration file is used as shipped; only its defines are set on the command line, as an operator would.
/// Disposing it kills Kamailio with its children and deletes the folder.
/// </summary>
public sealed class KamailioEdge : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/sbin/kamailio";

    private const string InstallHint = "scripts/install-test-deps.sh installs it (./test.sh runs that script first)";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _directory;

    private KamailioEdge(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    /// <summary>The UDP and TCP port clients use.</summary>
    public int Port { get; }

    /// <summary>What Kamailio logged so far (its stderr, with -E).</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>When Kamailio first answered.</summary>
    public DateTime AnsweringSince { get; private set; }

    /// <summary>What Kamailio logged above NOTICE: ERROR, WARNING and worse (a dropped reply, a failed parse, a silo down).</summary>
    public IReadOnlyList<string> Complaints =>
        Output.Split('\n').Where(l => l.Contains(" ERROR:", StringComparison.Ordinal) || l.Contains(" WARNING:", StringComparison.Ordinal)
            || l.Contains(" CRITICAL:", StringComparison.Ordinal) || l.Contains(" ALERT:", StringComparison.Ordinal)).ToList();

    public static string ConfigurationPath => Path.Combine(Repository.Root, "cluster-config", "kamailio", "kamailio.cfg");

    /// <summary>
    /// Starts Kamailio in front of the silos listening on UDP at 127.0.0.1:<paramref name="siloPorts"/> (in that order in
    /// the dispatcher list) and returns once it answers an OPTIONS on its port.
    /// </summary>
    public static async Task<KamailioEdge> StartAsync(IEnumerable<int> siloPorts)
    {
        EnsureInstalled();
        string directory = Directory.CreateTempSubdirectory("presence-kamailio-").FullName;
        string list = Path.Combine(directory, "dispatcher.list");
        await File.WriteAllLinesAsync(list, siloPorts.Select(p => $"1 sip:127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)}"));

        // The free port is found by binding and letting go, so another process may take it in between: a Kamailio that
        // cannot bind exits at once, and is started again on another port.
        for (int attempt = 1; ; attempt++)
        {
            int port = ServerProcess.FreePort("127.0.0.1");
            var edge = Launch(directory, list, port);
            try
            {
                await edge.WaitUntilAnsweringAsync(TimeSpan.FromSeconds(20));
                return edge;
            }
            catch (InvalidOperationException) when (attempt < 3 && edge.Output.Contains("bind", StringComparison.OrdinalIgnoreCase))
            {
                await edge.StopAsync();
            }
            catch
            {
                await edge.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Fails, naming the script that installs it, when Debian's kamailio is missing: a test that needs it must not pass without it.</summary>
    public static void EnsureInstalled()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"Debian's kamailio is not installed (no {ExecutablePath}); {InstallHint}.");
    }

    private static KamailioEdge Launch(string directory, string list, int port)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        string[] args =
        [
            // -DD: stay in the foreground (with the worker children); -E: log to stderr, not syslog.
            "-DD", "-E",
            "-f", ConfigurationPath,
            // Its runtime files here, not in /run/kamailio (which only the Debian service creates).
            "-Y", directory,
            // Shared and per-process memory in MB: the test sends a handful of requests.
            "-m", "32", "-M", "4",
            "-A", "LISTEN_ADDR=127.0.0.1",
            "-A", $"SIP_PORT={port.ToString(CultureInfo.InvariantCulture)}",
            "-A", $"DISPATCHER_LIST=\"{list}\"",
            "-A", "PING_INTERVAL=1",
            "-A", "WORKERS=2",
            "-A", "WITH_ROUTE_LOG",
        ];
        foreach (string a in args)
            start.ArgumentList.Add(a);
        var process = new Process { StartInfo = start };
        var edge = new KamailioEdge(process, directory, port);
        process.OutputDataReceived += (_, e) => edge.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => edge.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return edge;
    }

    /// <summary>The silos Kamailio sent each request to, in order: (method, AOR hashed, destination port).</summary>
    public IReadOnlyList<(string Method, string Aor, int SiloPort)> Routes()
    {
        var routes = new List<(string, string, int)>();
        foreach (string line in Output.Split('\n'))
        {
            // route[TO_SILO] with WITH_ROUTE_LOG: "route SUBSCRIBE sip:bob0@example.com -> sip:127.0.0.1:40123"
            int at = line.IndexOf(" route ", StringComparison.Ordinal);
            if (at < 0)
                continue;
            string[] words = line[(at + 7)..].Trim().Split(' ');
            if (words.Length == 4 && words[2] == "->")
                routes.Add((words[0], words[1], int.Parse(words[3][(words[3].LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture)));
        }
        return routes;
    }

    private async Task WaitUntilAnsweringAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        using var probe = new RawSipClient();
        var target = new IPEndPoint(IPAddress.Loopback, Port);
        while (true)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"kamailio exited with code {_process.ExitCode}:\n{Output}");
            }
            string options = "OPTIONS sip:127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) + " SIP/2.0\r\n"
                + $"Via: SIP/2.0/UDP 127.0.0.1:{probe.LocalPort};branch=z9hG4bK{Guid.NewGuid():N}\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=probe\r\nTo: <sip:127.0.0.1>\r\n"
                + $"Call-ID: {Guid.NewGuid():N}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
            if (await probe.SendUdpAsync(target, options, TimeSpan.FromMilliseconds(300)) is { StatusCode: 200 })
            {
                AnsweringSince = DateTime.UtcNow;
                return;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"kamailio did not answer OPTIONS within {within.TotalSeconds} s:\n{Output}");
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    private async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
