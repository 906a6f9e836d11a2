using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests;

/// <summary>
/// SIP over WebSocket (RFC 7118) against the server with its defaults (digest on): a browser-like client registers,
/// subscribes and publishes over its WebSocket and gets its NOTIFYs on it; the handshake and framing cases are
/// refused or answered as RFC 6455 and RFC 7118 say.
/// </summary>
public sealed class WebSocketTransportTests
{
    private static async Task<(ServerProcess Server, int WsPort)> StartAsync(params string[] extra)
    {
        int wsPort = ServerProcess.FreePort("127.0.0.1");
        var server = await ServerProcess.StartAsync(auth: true, extraArgs: [$"--Sip:WebSocket:Port={wsPort}", .. extra]);
        await server.WaitForOutputAsync($"Now listening on: http://127.0.0.1:{wsPort}", TimeSpan.FromSeconds(10));
        return (server, wsPort);
    }

    [Fact]
    public async Task A_websocket_client_registers_subscribes_publishes_and_gets_its_notifies_on_its_own_websocket()
    {
        var (server, wsPort) = await StartAsync();
        await using var _ = server;
        await server.ProvisionAsync("web@example.com", "web-secret");
        await server.ProvisionAsync("bob@example.com", "bob-secret");
        await using var web = await WebSocketSipClient.ConnectAsync(wsPort, "web");
        await using var bob = new TestUserAgent(server.Port, "bob") { Credentials = ("bob", "bob-secret") };

        // REGISTER as JsSIP does: a made-up .invalid host, transport=ws, +sip.instance and ;ob (RFC 5626).
        var registered = await web.SendAsync("REGISTER", "sip:example.com", "sip:web@example.com", "sip:web@example.com",
            $"Contact: <{web.Contact};ob>;+sip.instance=\"<urn:uuid:1b2f0c1e-9c50-4a7e-8a8f-000000000001>\";expires=600\r\nSupported: path, outbound, gruu\r\n",
            ("web", "web-secret"));
        Assert.Equal(200, registered.StatusCode);
        Assert.Contains(web.Contact, registered.GetFirst(HeaderId.Contact) ?? "", StringComparison.Ordinal);
        // The response came back on the WebSocket, with received and rport in its Via.
        Assert.Contains("SIP/2.0/WS", registered.GetFirst(HeaderId.Via), StringComparison.Ordinal);
        Assert.Contains("received=127.0.0.1", registered.GetFirst(HeaderId.Via), StringComparison.Ordinal);

        // Bob subscribes to web over UDP: web is available (registered over WebSocket).
        Assert.Equal(200, (await bob.SubscribeAsync("sip:web@example.com")).StatusCode);
        Assert.Equal("available", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

        // Web subscribes to bob: the 200 and the NOTIFYs come on web's WebSocket (the server cannot open one to it).
        var subscribed = await web.SendAsync("SUBSCRIBE", "sip:bob@example.com", "sip:web@example.com", "sip:bob@example.com",
            $"Contact: <{web.Contact};ob>\r\nEvent: presence\r\nAccept: application/pidf+xml\r\nExpires: 600\r\n", ("web", "web-secret"));
        Assert.Equal(200, subscribed.StatusCode);
        Assert.Equal("unreachable", TestUserAgent.ExtendedOf(await web.NextNotifyAsync()));
        Assert.Equal(200, (await bob.RegisterAsync()).StatusCode);
        SipMessage notify = await web.NextNotifyAsync();
        Assert.Equal("available", TestUserAgent.ExtendedOf(notify));
        Assert.StartsWith("SIP/2.0/WS ", notify.GetFirst(HeaderId.Via), StringComparison.Ordinal);

        // Web publishes do-not-disturb over the WebSocket: bob hears of it.
        var published = await web.SendAsync("PUBLISH", "sip:web@example.com", "sip:web@example.com", "sip:web@example.com",
            "Event: presence\r\nExpires: 600\r\nContent-Type: application/pidf+xml\r\n", ("web", "web-secret"),
            "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:web@example.com\"><tuple id=\"w\"><status><basic>closed</basic></status></tuple><note>Focus time</note></presence>");
        Assert.Equal(200, published.StatusCode);
        SipMessage dnd = await bob.NextNotifyAsync();
        Assert.Equal("donotdisturb", TestUserAgent.ExtendedOf(dnd));
        Assert.Contains("Focus time", Encoding.UTF8.GetString(dnd.Body.Span), StringComparison.Ordinal);

        // OPTIONS and MESSAGE work over it too (a MESSAGE to bob gets the 302 to his contact).
        Assert.Equal(200, (await web.SendAsync("OPTIONS", "sip:example.com", "sip:web@example.com", "sip:example.com", "", null)).StatusCode);
        var message = await web.SendAsync("MESSAGE", "sip:bob@example.com", "sip:web@example.com", "sip:bob@example.com", "Content-Type: text/plain\r\n", null, "hi");
        Assert.Equal(302, message.StatusCode);

        // The WebSocket closes: nothing ends at once (as for TCP); web's registration stays until it expires.
        await web.CloseAsync();
        using var api = server.CreateApiClient();
        await Task.Delay(300);
        var presence = await api.GetFromJsonAsync<JsonElement>("/api/users/web%40example.com/presence");
        Assert.Equal(1, presence.GetProperty("registrations").GetArrayLength());
    }

    [Fact]
    public async Task The_handshake_needs_the_sip_subprotocol_an_allowed_origin_and_an_upgrade()
    {
        var (server, wsPort) = await StartAsync("--Sip:WebSocket:AllowedOrigins:0=https://phone.example.com");
        await using var _ = server;
        var uri = new Uri($"ws://127.0.0.1:{wsPort}/");

        // A plain HTTP request: 426, and the HTTP API is not served on this port.
        using var http = new HttpClient();
        var plain = await http.GetAsync(new Uri($"http://127.0.0.1:{wsPort}/api/users"));
        Assert.Equal(HttpStatusCode.UpgradeRequired, plain.StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, await HandshakeStatusAsync(uri, subprotocol: null, origin: null));
        Assert.Equal(HttpStatusCode.BadRequest, await HandshakeStatusAsync(uri, subprotocol: "xmpp", origin: null));
        Assert.Equal(HttpStatusCode.Forbidden, await HandshakeStatusAsync(uri, "sip", "https://evil.example.org"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await HandshakeStatusAsync(uri, "sip", "https://phone.example.com"));
        // A softphone sends no Origin: allowed.
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await HandshakeStatusAsync(uri, "sip", origin: null));
    }

    [Fact]
    public async Task Frames_unmasked_oversized_ping_and_close_are_handled_as_RFC_6455_says()
    {
        var (server, wsPort) = await StartAsync("--Sip:MaxMessageSize=4096");
        await using var _ = server;

        // A ping gets a pong with its payload; a SIP OPTIONS split over two frames (a fragmented message) is one message.
        await using (var raw = await RawWebSocket.ConnectAsync(wsPort))
        {
            await raw.SendFrameAsync(0x9, "are you there"u8.ToArray());
            var (opcode, payload) = await raw.ReadFrameAsync();
            Assert.Equal((0xA, "are you there"), (opcode, Encoding.UTF8.GetString(payload)));

            byte[] options = Encoding.UTF8.GetBytes(
                $"OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/WS abc.invalid;branch=z9hG4bKframes1\r\nMax-Forwards: 70\r\n"
                + "From: <sip:x@example.com>;tag=1\r\nTo: <sip:example.com>\r\nCall-ID: frames1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
            await raw.SendFrameAsync(0x1, options[..40], fin: false);
            await raw.SendFrameAsync(0x0, options[40..]);
            (opcode, payload) = await raw.ReadFrameAsync();
            Assert.Equal(0x1, opcode);
            Assert.StartsWith("SIP/2.0 200 OK\r\n", Encoding.UTF8.GetString(payload), StringComparison.Ordinal);

            // A close frame: the server closes too, echoing the code.
            await raw.SendFrameAsync(0x8, [0x03, 0xE8]);
            (opcode, payload) = await raw.ReadFrameAsync();
            Assert.Equal((0x8, 1000), (opcode, (int)BinaryPrimitives.ReadUInt16BigEndian(payload)));
        }

        // An unmasked frame from a client is a protocol error (RFC 6455 §5.1): the server sends close 1002 and drops the
        // connection; with the frame's bytes unread, the kernel may reset it before the close frame is read. Either way
        // nothing of it is taken as SIP.
        await using (var raw = await RawWebSocket.ConnectAsync(wsPort))
        {
            byte[] unmasked = Encoding.UTF8.GetBytes(
                "OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/WS abc.invalid;branch=z9hG4bKunmasked\r\nMax-Forwards: 70\r\n"
                + "From: <sip:x@example.com>;tag=1\r\nTo: <sip:example.com>\r\nCall-ID: unmasked\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
            await raw.SendFrameAsync(0x1, unmasked, masked: false);
            try
            {
                var (opcode, payload) = await raw.ReadFrameAsync();
                Assert.Equal((0x8, 1002), (opcode, (int)BinaryPrimitives.ReadUInt16BigEndian(payload)));
            }
            catch (IOException)
            {
                // Reset: closed without a SIP answer, which is what matters.
            }
        }

        // A message over Sip:MaxMessageSize: closed with 1009 (message too big), the server goes on.
        await using (var raw = await RawWebSocket.ConnectAsync(wsPort))
        {
            await raw.SendFrameAsync(0x1, Encoding.UTF8.GetBytes(new string('x', 5000)));
            var (opcode, payload) = await raw.ReadFrameAsync();
            Assert.Equal((0x8, 1009), (opcode, (int)BinaryPrimitives.ReadUInt16BigEndian(payload)));
        }
        await using var again = await WebSocketSipClient.ConnectAsync(wsPort, "x");
        Assert.Equal(200, (await again.SendAsync("OPTIONS", "sip:example.com", "sip:x@example.com", "sip:example.com", "", null)).StatusCode);
    }

    [Fact]
    public async Task A_secure_websocket_takes_the_certificate_of_the_sip_tls_listener()
    {
        string directory = Directory.CreateTempSubdirectory("wss-").FullName;
        var (certPath, keyPath) = TestCertificate.WritePem(directory);
        int wssPort = ServerProcess.FreePort("127.0.0.1");
        await using var server = await ServerProcess.StartAsync(tls: (certPath, keyPath), extraArgs: [$"--Sip:WebSocket:TlsPort={wssPort}"]);
        await server.WaitForOutputAsync($"Now listening on: https://127.0.0.1:{wssPort}", TimeSpan.FromSeconds(10));
        using var expected = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(certPath, keyPath);
        string? presented = null;

        await using var client = await WebSocketSipClient.ConnectAsync(new Uri($"wss://127.0.0.1:{wssPort}/"), "secure", o =>
            o.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                presented = certificate?.GetCertHashString();
                return true;
            });
        Assert.Equal(expected.GetCertHashString(), presented);
        client.Transport = "WSS";
        var answer = await client.SendAsync("OPTIONS", "sip:example.com", "sip:secure@example.com", "sip:example.com", "", null);
        Assert.Equal(200, answer.StatusCode);
        Assert.StartsWith("SIP/2.0/WSS ", answer.GetFirst(HeaderId.Via), StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_client_is_the_last_forwarded_address_and_elsewhere_the_header_counts_for_nothing()
    {
        var (server, wsPort) = await StartAsync("--Sip:WebSocket:TrustedProxies:0=127.0.0.0/8");
        await using var _ = server;
        await using var proxied = await WebSocketSipClient.ConnectAsync(new Uri($"ws://127.0.0.1:{wsPort}/sip"), "p",
            o => o.SetRequestHeader("X-Forwarded-For", "198.51.100.9, 203.0.113.7"));
        var answer = await proxied.SendAsync("OPTIONS", "sip:example.com", "sip:p@example.com", "sip:example.com", "", null);
        Assert.Contains("received=203.0.113.7", answer.GetFirst(HeaderId.Via), StringComparison.Ordinal);

        var (plain, plainPort) = await StartAsync();
        await using var __ = plain;
        await using var direct = await WebSocketSipClient.ConnectAsync(new Uri($"ws://127.0.0.1:{plainPort}/"), "d",
            o => o.SetRequestHeader("X-Forwarded-For", "203.0.113.7"));
        answer = await direct.SendAsync("OPTIONS", "sip:example.com", "sip:d@example.com", "sip:example.com", "", null);
        Assert.Contains("received=127.0.0.1", answer.GetFirst(HeaderId.Via), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_address_over_its_connection_cap_gets_503_and_the_metrics_count_websockets()
    {
        var (server, wsPort) = await StartAsync("--Sip:MaxConnectionsPerAddress=2");
        await using var _ = server;
        await using var first = await WebSocketSipClient.ConnectAsync(wsPort, "a");
        await using var second = await WebSocketSipClient.ConnectAsync(wsPort, "b");
        Assert.Equal((HttpStatusCode)503, await HandshakeStatusAsync(new Uri($"ws://127.0.0.1:{wsPort}/"), "sip", origin: null));

        // Prometheus text: each series carries its scope's labels too.
        var open = new System.Text.RegularExpressions.Regex("^sip_server_connections\\{[^}]*network_transport=\"ws\"[^}]*\\} 2$", System.Text.RegularExpressions.RegexOptions.Multiline);
        var refused = new System.Text.RegularExpressions.Regex("^sip_server_connections_refused_total(\\{[^}]*\\})? 1$", System.Text.RegularExpressions.RegexOptions.Multiline);
        using var api = server.CreateApiClient();
        string metrics = "";
        for (int i = 0; i < 50 && !(open.IsMatch(metrics) && refused.IsMatch(metrics)); i++)
        {
            if (i > 0)
                await Task.Delay(200);
            metrics = (await api.GetStringAsync("/metrics")).ReplaceLineEndings("\n");
        }
        string lines = string.Join("\n", metrics.Split('\n').Where(l => l.StartsWith("sip_server_connections", StringComparison.Ordinal)));
        Assert.True(open.IsMatch(metrics), lines);
        Assert.True(refused.IsMatch(metrics), lines);
    }

    [Theory]
    [InlineData("--Sip:WebSocket:TlsPort=7443", "Sip:WebSocket:TlsPort needs the certificate of Sip:Tls:CertificatePath.")]
    [InlineData("--Sip:WebSocket:AllowedOrigins:0=not an origin", "Sip:WebSocket:AllowedOrigins 'not an origin' is not an origin")]
    [InlineData("--Sip:WebSocket:TrustedProxies:0=proxy.example.com", "Sip:WebSocket:TrustedProxies 'proxy.example.com' is not an address or CIDR block.")]
    public async Task WebSocket_settings_that_cannot_work_are_refused_at_start_with_a_message(string argument, string message)
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ServerProcess.StartAsync(auth: false, extraArgs: ["--Sip:WebSocket:Port=7066", argument]));
        Assert.Contains("exit code 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> HandshakeStatusAsync(Uri uri, string? subprotocol, string? origin)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (subprotocol is not null)
            socket.Options.AddSubProtocol(subprotocol);
        if (origin is not null)
            socket.Options.SetRequestHeader("Origin", origin);
        try
        {
            await socket.ConnectAsync(uri, new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        }
        catch (WebSocketException)
        {
            // The status the server gave instead of 101.
        }
        return socket.HttpStatusCode;
    }

    /// <summary>A WebSocket by hand on a TCP connection, to send frames a well-behaved client library never would.</summary>
    private sealed class RawWebSocket : IAsyncDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;

        private RawWebSocket(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
        }

        public static async Task<RawWebSocket> ConnectAsync(int port)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var raw = new RawWebSocket(tcp);
            string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            string request = $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
            await raw._stream.WriteAsync(Encoding.ASCII.GetBytes(request));
            string head = await raw.ReadHeadAsync();
            Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
            Assert.Contains("Sec-WebSocket-Protocol: sip", head, StringComparison.OrdinalIgnoreCase);
            string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            Assert.Contains($"Sec-WebSocket-Accept: {accept}", head, StringComparison.OrdinalIgnoreCase);
            return raw;
        }

        private async Task<string> ReadHeadAsync()
        {
            var head = new List<byte>();
            var one = new byte[1];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
            {
                if (await _stream.ReadAsync(one, timeout.Token) == 0)
                    throw new IOException("Closed during the handshake.");
                head.Add(one[0]);
            }
            return Encoding.ASCII.GetString(head.ToArray());
        }

        public async Task SendFrameAsync(int opcode, byte[] payload, bool fin = true, bool masked = true)
        {
            var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
            byte mask = masked ? (byte)0x80 : (byte)0;
            if (payload.Length < 126)
                frame.Add((byte)(mask | payload.Length));
            else
            {
                frame.Add((byte)(mask | 126));
                frame.Add((byte)(payload.Length >> 8));
                frame.Add((byte)payload.Length);
            }
            if (masked)
            {
                byte[] key = RandomNumberGenerator.GetBytes(4);
                frame.AddRange(key);
                frame.AddRange(payload.Select((b, i) => (byte)(b ^ key[i % 4])));
            }
            else
            {
                frame.AddRange(payload);
            }
            await _stream.WriteAsync(frame.ToArray());
        }

        /// <summary>The next whole frame from the server (never masked), skipping none.</summary>
        public async Task<(int Opcode, byte[] Payload)> ReadFrameAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            byte[] head = await ReadExactlyAsync(2, timeout.Token);
            int opcode = head[0] & 0x0F;
            long length = head[1] & 0x7F;
            if (length == 126)
                length = BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyAsync(2, timeout.Token));
            else if (length == 127)
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(await ReadExactlyAsync(8, timeout.Token));
            Assert.Equal(0, head[1] & 0x80);
            return (opcode, await ReadExactlyAsync((int)length, timeout.Token));
        }

        private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken ct)
        {
            var bytes = new byte[count];
            await _stream.ReadExactlyAsync(bytes, ct);
            return bytes;
        }

        public ValueTask DisposeAsync()
        {
            _tcp.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
