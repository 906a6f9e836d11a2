using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests;

/// <summary>Listeners other than the default: TLS with a configured certificate, dual-stack IPv6, and a clean stop.</summary>
public sealed class ListenerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("presence-tls-").FullName;

    [Fact]
    public async Task Tls_listener_with_a_pem_certificate_answers_sipsak_and_a_dotnet_client()
    {
        var (certPath, keyPath) = WriteSelfSignedPem();
        // sipsak 0.9.8 (GnuTLS) never reads the response after a TLS 1.3 handshake, so this server offers 1.2
        // to it; the .NET client below negotiates whatever the server allows.
        await using var server = await ServerProcess.StartAsync(tls: (certPath, keyPath), extraArgs: ["--Sip:Tls:Protocols=Tls12"]);

        var (code, output) = await Sipsak.RunAsync(
            "-vv", "--transport=tls", "--tls-ignore-cert-failure", "-s", $"sip:probe@127.0.0.1:{server.TlsPort}");
        Assert.True(code == 0, output);
        Assert.Contains("SIP/2.0 200 OK", output);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.TlsPort);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        int localPort = ((IPEndPoint)tcp.Client.LocalEndPoint!).Port;
        await tls.WriteAsync(Encoding.UTF8.GetBytes(
            RawSipClient.Request("OPTIONS", $"sips:probe@127.0.0.1:{server.TlsPort}", localPort, transport: "TLS")));
        string response = await ReadUntilBlankLineAsync(tls);
        Assert.StartsWith("SIP/2.0 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls12, tls.SslProtocol);
        Assert.Contains("SIP/2.0/TLS", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stalled_tls_handshake_does_not_block_other_clients()
    {
        var (certPath, keyPath) = WriteSelfSignedPem();
        await using var server = await ServerProcess.StartAsync(tls: (certPath, keyPath), extraArgs: ["--Sip:Tls:Protocols=Tls12"]);
        // Half a ClientHello and then silence, ten times over.
        var stalled = new List<TcpClient>();
        for (int i = 0; i < 10; i++)
        {
            var c = new TcpClient();
            await c.ConnectAsync(IPAddress.Loopback, server.TlsPort);
            await c.GetStream().WriteAsync(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 });
            stalled.Add(c);
        }
        var (code, output) = await Sipsak.RunAsync("--transport=tls", "--tls-ignore-cert-failure", "-s", $"sip:probe@127.0.0.1:{server.TlsPort}");
        Assert.True(code == 0, output);
        stalled.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Dual_stack_listener_serves_ipv6_and_ipv4()
    {
        await using var server = await ServerProcess.StartAsync(listenAddress: "::");
        using var v6 = new RawSipClient("::1");
        var response6 = await v6.SendUdpAsync(
            new IPEndPoint(IPAddress.IPv6Loopback, server.Port),
            RawSipClient.Request("OPTIONS", $"sip:probe@[::1]:{server.Port}", v6.LocalPort).Replace("127.0.0.1:", "[::1]:", StringComparison.Ordinal));
        Assert.NotNull(response6);
        Assert.Equal(200, response6.StatusCode);
        Assert.Equal("::1", response6.TopVia!.Received);

        var (code, output) = await Sipsak.RunAsync("-s", $"sip:probe@127.0.0.1:{server.Port}");
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task Sigterm_stops_the_server_cleanly()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        int exit = await server.TerminateAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, exit);
        Assert.Contains("SIP endpoint stopped", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_configuration_is_refused_with_a_message()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ServerProcess.StartAsync(auth: false, extraArgs: ["--Sip:ListenAddress=not-an-ip"]));
        Assert.Contains("exit code 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Sip:ListenAddress 'not-an-ip' is not an IP address.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_SIP_port_in_use_is_refused_with_a_message_not_a_crash()
    {
        // Another server (or one still stopping) holds the port: a clear line and exit code 3, no stack trace.
        using var taken = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        taken.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        int port = ((System.Net.IPEndPoint)taken.LocalEndPoint!).Port;
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ServerProcess.StartAsync(auth: false, extraArgs: [$"--Sip:UdpPort={port}"]));
        Assert.Contains("exit code 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Cannot listen:", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_HTTP_port_in_use_is_refused_with_a_message_not_a_crash()
    {
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(
                () => ServerProcess.StartAsync(auth: false, extraArgs: [$"--Http:Urls=http://127.0.0.1:{port}"]));
            Assert.Contains("exit code 3", ex.Message, StringComparison.Ordinal);
            Assert.Contains("Cannot listen:", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public async Task Contradictory_expiry_rules_are_refused_with_a_message()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ServerProcess.StartAsync(auth: false, extraArgs: ["--Presence:Rules:MinRegisterExpires=5000"]));
        Assert.Contains("exit code 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MinRegisterExpires (5000)", ex.Message, StringComparison.Ordinal);
    }

    private (string Cert, string Key) WriteSelfSignedPem() => TestCertificate.WritePem(_directory);

    private static async Task<string> ReadUntilBlankLineAsync(Stream stream)
    {
        var buffer = new byte[4096];
        var text = new StringBuilder();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int n = await stream.ReadAsync(buffer, cts.Token);
            if (n == 0)
                break;
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
