using System.Net;
using System.Text.Json;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// The server the hostile-input suite attacks: TLS on, a 2 s header timeout and 16 connections per address (so the
/// slow-connection cases finish quickly), and a user with known state — alice registered and published, bob watching
/// her — that no attack may change. It also counts the cases the suite tries (the issue asks for the number).
/// </summary>
public sealed class HostileServerFixture : IAsyncLifetime
{
    public const string BaselinePidf =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\">"
        + "<tuple id=\"t1\"><status><basic>closed</basic></status><note>baseline</note></tuple></presence>";

    public static readonly TimeSpan HeaderTimeout = TimeSpan.FromSeconds(2);

    public const int MaxConnectionsPerAddress = 16;

    private readonly string _directory = Directory.CreateTempSubdirectory("presence-hostile-").FullName;
    private ServerProcess? _server;
    private string _baseline = string.Empty;
    private int _cases;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Server.Port);

    public IPEndPoint TlsEndPoint => new(IPAddress.Loopback, Server.TlsPort);

    /// <summary>Alice's user agent: registered, and the publisher of <see cref="BaselinePidf"/>.</summary>
    public TestUserAgent? Alice { get; private set; }

    /// <summary>Bob's user agent: subscribed to alice.</summary>
    public TestUserAgent? Bob { get; private set; }

    /// <summary>Cases tried so far by every test of the suite.</summary>
    public int Cases => Volatile.Read(ref _cases);

    public void Count(int cases = 1) => Interlocked.Add(ref _cases, cases);

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(auth: false,
            tls: TestCertificate.WritePem(_directory),
            extraArgs:
            [
                $"--Sip:HeaderTimeout={HeaderTimeout}",
                $"--Sip:MaxConnectionsPerAddress={MaxConnectionsPerAddress}",
                // Every case logging at Debug would make the output the slowest part of the suite.
                "--Logging:LogLevel:Default=Information",
            ]);
        Alice = new TestUserAgent(_server.Port, "alice");
        Bob = new TestUserAgent(_server.Port, "bob");
        Assert.Equal(200, (await Alice.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await Alice.PublishAsync("application/pidf+xml", BaselinePidf)).StatusCode);
        Assert.Equal(200, (await Bob.SubscribeAsync("sip:alice@example.com")).StatusCode);
        await Bob.NextNotifyAsync();
        _baseline = await StateAsync();
        Assert.Contains("baseline", _baseline, StringComparison.Ordinal);
    }

    /// <summary>
    /// What must not change: alice's presence as the API reads it (all but the registration's seconds left, which
    /// count down), her PIDF document as watchers get it, and her history of changes.
    /// </summary>
    public async Task<string> StateAsync()
    {
        using var api = Server.CreateApiClient();
        using var json = JsonDocument.Parse(await api.GetStringAsync("/api/users/alice@example.com/presence"));
        var fields = json.RootElement.EnumerateObject().Where(p => p.Name != "registrations").Select(p => $"{p.Name}={p.Value.GetRawText()}");
        string pidf = await api.GetStringAsync("/api/users/alice@example.com/presence.pidf");
        string history = await api.GetStringAsync("/api/users/alice@example.com/history");
        return string.Join("\n", fields) + "\n" + pidf + "\n" + history;
    }

    /// <summary>After a case: the process is up, OPTIONS over UDP is answered 200, and alice's state is as it was.</summary>
    public async Task AssertUnharmedAsync(string afterCase)
    {
        Assert.False(Server.HasExited, $"The server exited after {afterCase}:\n{Server.Output}");
        using var client = new RawSipClient();
        var response = await client.SendUdpAsync(EndPoint, RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{Server.Port}", client.LocalPort));
        Assert.True(response?.StatusCode == 200, $"OPTIONS was not answered 200 after {afterCase}");
        Assert.Equal(_baseline, await StateAsync());
    }

    public async Task DisposeAsync()
    {
        if (Alice is not null)
            await Alice.DisposeAsync();
        if (Bob is not null)
            await Bob.DisposeAsync();
        if (_server is not null)
            await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
