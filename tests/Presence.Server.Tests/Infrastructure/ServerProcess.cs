using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// The real Presence.Server executable, started as its own process on loopback with free ports, the way an
/// operator starts it. Disposing it kills the process.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _expectedListeners;
    private int _listeners;

    private ServerProcess(Process process, int port, int tlsPort, int expectedListeners)
    {
        _process = process;
        Port = port;
        TlsPort = tlsPort;
        _expectedListeners = expectedListeners;
    }

    /// <summary>The UDP and TCP port.</summary>
    public int Port { get; }

    public int TlsPort { get; }

    /// <summary>The bearer token the test servers are started with.</summary>
    public const string ApiToken = "test-token-0123456789";

    /// <summary>The HTTP API's base address.</summary>
    public Uri? HttpBase { get; private set; }

    /// <summary>An HTTP client for the API, with the token.</summary>
    public HttpClient CreateApiClient()
    {
        var client = new HttpClient { BaseAddress = HttpBase ?? throw new InvalidOperationException("The HTTP API is not listening."), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiToken);
        return client;
    }

    public string Host { get; private init; } = "127.0.0.1";

    /// <summary>Creates a user through the provisioning API (POST /api/users), as an operator does before the user's
    /// phone can answer the server's digest challenge.</summary>
    public async Task ProvisionAsync(string aor, string password)
    {
        using var api = CreateApiClient();
        using var created = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(api, "/api/users", new { aor, password });
        if (created.StatusCode != System.Net.HttpStatusCode.Created)
            throw new InvalidOperationException($"Provisioning {aor} answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
    }

    public int ProcessId => _process.Id;

    /// <summary>Where this server keeps its state (a fresh temporary folder per server).</summary>
    public string DataDirectory { get; private init; } = string.Empty;

    internal IReadOnlyList<string> Arguments { get; private init; } = [];

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>
    /// Starts a server with the defaults a new user gets: digest authentication on. A test of presence behaviour that
    /// is not about credentials, and drives the server with the test's own user agents, says <c>auth: false</c>; a
    /// test with a real client never does.
    /// </summary>
    public static Task<ServerProcess> StartAsync(
        string listenAddress = "127.0.0.1", (string CertificatePath, string KeyPath)? tls = null, bool auth = true, params string[] extraArgs) =>
        StartAsync(listenAddress, tls, auth, sip: true, extraArgs);

    /// <summary>
    /// Starts a server that may not speak SIP (<paramref name="sip"/> false: a silo of a cluster, which listens on HTTP only).
    /// </summary>
    public static async Task<ServerProcess> StartAsync(
        string listenAddress, (string CertificatePath, string KeyPath)? tls, bool auth, bool sip, params string[] extraArgs)
    {
        // Ports are picked free, then bound by another process: something else (another test's client socket) may take
        // one in between. The server then exits with code 3 saying so, and is started again on new ports.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnFreePortsAsync(listenAddress, tls, auth, sip, extraArgs);
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("exited early with exit code 3", StringComparison.Ordinal))
            {
            }
        }
    }

    private static async Task<ServerProcess> StartOnFreePortsAsync(
        string listenAddress, (string CertificatePath, string KeyPath)? tls, bool auth, bool sip, string[] extraArgs)
    {
        int port = FreePort(listenAddress);
        string data = Directory.CreateTempSubdirectory("presence-server-").FullName;
        int httpPort = FreePort(listenAddress.Contains(':', StringComparison.Ordinal) ? "127.0.0.1" : listenAddress);
        int tlsPort = tls is null ? 0 : FreePort(listenAddress);
        var args = new List<string>
        {
            $"--Sip:ListenAddress={listenAddress}",
            $"--Sip:UdpPort={port}",
            $"--Sip:TcpPort={port}",
            $"--Sip:TlsPort={tlsPort}",
            $"--Presence:DatabasePath={Path.Combine(data, "presence.db")}",
            $"--Http:Urls=http://127.0.0.1:{httpPort}",
            $"--Http:Token={ApiToken}",
            $"--Auth:Enabled={(auth ? "true" : "false")}",
            // The silo's own port too, from the same pool, so that no two servers of a test run pick the same one.
            $"--Cluster:SiloPort={FreePort("127.0.0.1")}",
            "--Logging:LogLevel:Default=Debug",
            "--Logging:Console:FormatterName=simple",
        };
        if (tls is { } t)
        {
            args.Add($"--Sip:Tls:CertificatePath={t.CertificatePath}");
            args.Add($"--Sip:Tls:KeyPath={t.KeyPath}");
        }
        args.AddRange(extraArgs);
        // Two SIP listeners (three with TLS) and the HTTP API; the HTTP API alone on a silo without SIP.
        return await LaunchAsync(args, port, tlsPort, listenAddress, data, !sip ? 1 : tls is null ? 3 : 4);
    }

    /// <summary>
    /// Kills the server with SIGKILL, as a crash or the OOM killer would, and starts it again on the same ports
    /// and the same state (after <c>downFor</c>, when given).
    /// </summary>
    public async Task<ServerProcess> CrashAndRestartAsync(TimeSpan? downFor = null)
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        if (downFor is { } pause)
            await Task.Delay(pause);
        return await LaunchAsync(Arguments.ToList(), Port, TlsPort, Host, DataDirectory, _expectedListeners);
    }

    private static async Task<ServerProcess> LaunchAsync(List<string> args, int port, int tlsPort, string host, string data, int listeners)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Presence.Server.dll"));
        foreach (string a in args)
            start.ArgumentList.Add(a);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new ServerProcess(process, port, tlsPort, listeners) { Host = host, DataDirectory = data, Arguments = args };
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.Exited += (_, _) =>
        {
            process.WaitForExit(); // drains the redirected output first
            server._ready.TrySetException(new InvalidOperationException(
                $"The server exited early with exit code {process.ExitCode}:\n" + server.Output));
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await server._ready.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await server.DisposeAsync();
            throw new TimeoutException("The server did not start listening within 60 s:\n" + server.Output);
        }
        return server;
    }

    /// <summary>Sends SIGTERM, as systemd does on stop, and waits for the process to end.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits for the process to end by itself (a drained silo, say).</summary>
    public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"'{text}' did not appear in the server output:\n{Output}");
            await Task.Delay(50);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
        if ((line.Contains("SIP listening on", StringComparison.Ordinal) || line.Contains("Now listening on: http", StringComparison.Ordinal))
            && Interlocked.Increment(ref _listeners) >= _expectedListeners)
            _ready.TrySetResult();
        if (line.Contains("Now listening on: http", StringComparison.Ordinal))
            HttpBase ??= new Uri(line[(line.IndexOf("http", StringComparison.Ordinal))..].Trim());
    }

    // Ports handed out in this test run: the kernel may hand a port it just freed to the next bind, so two servers
    // started one after the other (or one server's SIP and HTTP) could otherwise get the same one.
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A port free for both UDP and TCP on the address, never one this test run has handed out before.</summary>
    public static int FreePort(string address)
    {
        var ip = IPAddress.Parse(address);
        for (int attempt = 0; attempt < 200; attempt++)
        {
            using var tcp = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(ip, 0));
            int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            lock (HandedOut)
            {
                if (HandedOut.Contains(port))
                    continue;
            }
            using var udp = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(ip, port));
            }
            catch (SocketException)
            {
                continue;
            }
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                    return port;
            }
        }
        throw new InvalidOperationException("No free port found.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
