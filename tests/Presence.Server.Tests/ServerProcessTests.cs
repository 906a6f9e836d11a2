using System.Net;
using System.Text;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests;

/// <summary>The real executable, driven by sipsak and by raw sockets on loopback.</summary>
[Collection(ServerCollection.Name)]
public sealed class ServerProcessTests(ServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    private IPEndPoint EndPoint => new(IPAddress.Loopback, Server.Port);

    [Fact]
    public async Task Sipsak_options_over_udp_is_answered_200()
    {
        // A real client: against the defaults a new user gets (authentication on), not the shared test server.
        await using var server = await ServerProcess.StartAsync();
        var (code, output) = await Sipsak.RunAsync("-vv", "-s", $"sip:probe@127.0.0.1:{server.Port}");
        Assert.True(code == 0, output);
        Assert.Contains("SIP/2.0 200 OK", output);
        Assert.Contains("Allow: OPTIONS", output);
        Assert.Contains("Allow-Events: presence, presence.winfo, dialog", output);
    }

    [Fact]
    public async Task Sipsak_options_over_tcp_is_answered_200()
    {
        await using var server = await ServerProcess.StartAsync();
        var (code, output) = await Sipsak.RunAsync("-vv", "--transport=tcp", "-s", $"sip:probe@127.0.0.1:{server.Port}");
        Assert.True(code == 0, output);
        Assert.Contains("SIP/2.0 200 OK", output);
    }

    [Fact]
    public async Task Options_response_carries_capabilities_and_received_rport()
    {
        using var client = new RawSipClient();
        var response = await client.SendUdpAsync(EndPoint, RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{Server.Port}", client.LocalPort));
        Assert.NotNull(response);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("OPTIONS, ACK, CANCEL, REGISTER, PUBLISH, SUBSCRIBE, INVITE, MESSAGE", response.GetFirst(HeaderId.Allow));
        Assert.Equal("presence, presence.winfo, dialog", response.GetFirst(HeaderId.AllowEvents));
        Assert.Equal("application/pidf+xml, application/dialog-info+xml", response.GetFirst(HeaderId.Accept));
        Assert.Equal(client.LocalPort, response.TopVia!.Rport);
        Assert.Equal("127.0.0.1", response.TopVia.Received);
        Assert.NotNull(global::Presence.Sip.Headers.NameAddress.Parse(response.GetFirst(HeaderId.To)!).Tag);
    }

    [Theory]
    [InlineData("BYE", 405)]
    [InlineData("REFER", 405)]
    [InlineData("FROBNICATE", 501)]
    [InlineData("CANCEL", 481)]
    public async Task Unhandled_methods_get_the_rfc_answer(string method, int expected)
    {
        using var client = new RawSipClient();
        var response = await client.SendUdpAsync(EndPoint, RawSipClient.Request(method, $"sip:alice@127.0.0.1:{Server.Port}", client.LocalPort));
        Assert.NotNull(response);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(method, response.CSeqMethod);
        if (expected == 405)
            Assert.Equal("OPTIONS, ACK, CANCEL, REGISTER, PUBLISH, SUBSCRIBE, INVITE, MESSAGE", response.GetFirst(HeaderId.Allow));
    }

    [Fact]
    public async Task Unknown_uri_scheme_is_416_and_unsupported_extension_is_420()
    {
        using var client = new RawSipClient();
        var r416 = await client.SendUdpAsync(EndPoint, RawSipClient.Request("OPTIONS", "mailto:alice@example.com", client.LocalPort));
        Assert.Equal(416, r416!.StatusCode);

        var r420 = await client.SendUdpAsync(EndPoint, RawSipClient.Request(
            "OPTIONS", $"sip:alice@127.0.0.1:{Server.Port}", client.LocalPort, extraHeaders: "Require: foo, 100rel\r\n"));
        Assert.Equal(420, r420!.StatusCode);
        Assert.Equal("foo, 100rel", r420.GetFirst(HeaderId.Unsupported));
    }

    [Fact]
    public async Task Malformed_request_gets_400_naming_the_problem()
    {
        using var client = new RawSipClient();
        string request = RawSipClient.Request("OPTIONS", $"sip:alice@127.0.0.1:{Server.Port}", client.LocalPort)
            .Replace("Max-Forwards: 70", "Max-Forwards: seventy", StringComparison.Ordinal);
        var response = await client.SendUdpAsync(EndPoint, request);
        Assert.NotNull(response);
        Assert.Equal(400, response.StatusCode);
        Assert.Equal("Malformed Max-Forwards", response.ReasonPhrase);

        // A CSeq that is not a number is answered all the same (issue 13, RFC 3261 §8.2): the 400 copies what the
        // request has, the broken CSeq included.
        string badCSeq = RawSipClient.Request("OPTIONS", $"sip:alice@127.0.0.1:{Server.Port}", client.LocalPort)
            .Replace("CSeq: 1 OPTIONS", "CSeq: one OPTIONS", StringComparison.Ordinal);
        var echo = (await client.SendUdpExpectingEchoAsync(EndPoint, badCSeq))?.Message;
        Assert.NotNull(echo);
        Assert.Equal(400, echo.StatusCode);
        Assert.Equal("Malformed CSeq", echo.ReasonPhrase);
        Assert.Equal("one OPTIONS", echo.GetFirst(HeaderId.CSeq));

        // An RFC 2543 request has no Max-Forwards: accepted (RFC 4475 §3.4.1).
        string noMaxForwards = RawSipClient.Request("OPTIONS", $"sip:alice@127.0.0.1:{Server.Port}", client.LocalPort)
            .Replace("Max-Forwards: 70\r\n", string.Empty, StringComparison.Ordinal);
        var second = await client.SendUdpAsync(EndPoint, noMaxForwards);
        Assert.Equal(200, second!.StatusCode);
    }

    [Theory]
    [InlineData("Call-ID: ", "X-Call-ID: ", 400, "Missing Call-ID Header")]
    [InlineData("From: ", "X-From: ", 400, "Missing From Header")]
    [InlineData("To: ", "X-To: ", 400, "Missing To Header")]
    [InlineData("CSeq: 1 OPTIONS", "X-CSeq: 1 OPTIONS", 400, "Missing CSeq Header")]
    [InlineData("OPTIONS sip:", "OPTIONS <sip:", 400, "Malformed Request-URI")]
    [InlineData(" SIP/2.0\r\n", " SIP/3.0\r\n", 505, "Version Not Supported")]
    [InlineData("OPTIONS sip:", "OPTIONS  sip:", 400, "Extra Spaces In Request Line")]
    public async Task A_malformed_request_is_answered_naming_what_is_wrong_and_copying_what_it_has(string find, string replace, int status, string reason)
    {
        // Issue 13 / RFC 3261 §8.2, §21.4: answered whenever the top Via can carry the answer.
        using var client = new RawSipClient();
        string request = RawSipClient.Request("OPTIONS", $"sip:alice@127.0.0.1:{Server.Port}", client.LocalPort);
        int at = request.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, find);
        request = request[..at] + replace + request[(at + find.Length)..];
        var answer = (await client.SendUdpExpectingEchoAsync(EndPoint, request))?.Message;
        Assert.NotNull(answer);
        Assert.Equal((status, reason), (answer.StatusCode, answer.ReasonPhrase));
        Assert.Equal(find != "Call-ID: ", answer.Has(HeaderId.CallId));
        Assert.Equal(find != "From: ", answer.Has(HeaderId.From));
    }

    [Fact]
    public async Task Unaddressable_garbage_is_dropped_and_the_server_keeps_serving()
    {
        using var client = new RawSipClient();
        var random = new Random(1234);
        for (int i = 0; i < 50; i++)
        {
            var garbage = new byte[random.Next(1, 2000)];
            random.NextBytes(garbage);
            Assert.Null(await client.SendUdpAsync(EndPoint, garbage, TimeSpan.FromMilliseconds(20)));
        }
        string noVia = RawSipClient.Request("OPTIONS", $"sip:alice@127.0.0.1:{Server.Port}", client.LocalPort);
        noVia = string.Join("\r\n", noVia.Split("\r\n").Where(l => !l.StartsWith("Via:", StringComparison.Ordinal)));
        Assert.Null(await client.SendUdpAsync(EndPoint, noVia, TimeSpan.FromMilliseconds(300)));

        var ok = await client.SendUdpAsync(EndPoint, RawSipClient.Request("OPTIONS", $"sip:alice@127.0.0.1:{Server.Port}", client.LocalPort));
        Assert.Equal(200, ok!.StatusCode);
        Assert.False(Server.HasExited);
    }

    [Fact]
    public async Task Oversized_message_gets_513_and_too_many_headers_gets_400()
    {
        // A UDP datagram cannot exceed the 65,535-byte limit, so the oversized case goes over TCP, where a
        // Content-Length past the limit is refused before the body is read.
        string huge = RawSipClient.Request("OPTIONS", $"sip:alice@127.0.0.1:{Server.Port}", 5060, transport: "TCP")
            .Replace("Content-Length: 0", "Content-Length: 70000", StringComparison.Ordinal);
        var (tooLarge, _) = await RawSipClient.SendTcpAsync(EndPoint, Encoding.UTF8.GetBytes(huge));
        Assert.NotNull(tooLarge);
        Assert.Equal(513, tooLarge.StatusCode);
        Assert.Equal("Message Too Large", tooLarge.ReasonPhrase);

        using var client = new RawSipClient();
        var many = string.Concat(Enumerable.Range(0, 200).Select(i => $"X-Filler-{i}: {i}\r\n"));
        var tooMany = await client.SendUdpAsync(EndPoint, RawSipClient.Request(
            "OPTIONS", $"sip:alice@127.0.0.1:{Server.Port}", client.LocalPort, extraHeaders: many));
        Assert.Equal(400, tooMany!.StatusCode);
        Assert.Equal("Too Many Header Fields", tooMany.ReasonPhrase);
    }

    [Fact]
    public async Task Retransmitted_request_gets_the_same_response_again()
    {
        using var client = new RawSipClient();
        string request = RawSipClient.Request("OPTIONS", $"sip:alice@127.0.0.1:{Server.Port}", client.LocalPort, branch: "z9hG4bKretrans1");
        var first = await client.SendUdpAsync(EndPoint, request);
        var second = await client.SendUdpAsync(EndPoint, request);
        Assert.NotNull(first);
        Assert.NotNull(second);
        // Same transaction: the very same response, To tag included.
        Assert.Equal(first.ToString(), second.ToString());
    }

    [Fact]
    public async Task Tcp_frames_by_content_length_and_answers_keepalive_ping()
    {
        using var tcp = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await tcp.ConnectAsync(EndPoint);
        // RFC 5626 §3.5.1: a CRLFCRLF ping is answered by a CRLF pong.
        await tcp.SendAsync("\r\n\r\n"u8.ToArray(), System.Net.Sockets.SocketFlags.None);
        var (_, pong) = await RawSipClient.ReadTcpAsync(tcp, TimeSpan.FromSeconds(3));
        Assert.Equal("\r\n"u8.ToArray(), pong);

        // Two requests in one write, the second split by the framing.
        int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
        string a = RawSipClient.Request("OPTIONS", $"sip:a@127.0.0.1:{Server.Port}", port, transport: "TCP");
        string b = RawSipClient.Request("OPTIONS", $"sip:b@127.0.0.1:{Server.Port}", port, transport: "TCP", body: "hello");
        await tcp.SendAsync(Encoding.UTF8.GetBytes(a + b), System.Net.Sockets.SocketFlags.None);
        var (first, raw) = await RawSipClient.ReadTcpAsync(tcp, TimeSpan.FromSeconds(3));
        Assert.Equal(200, first!.StatusCode);
        string all = Encoding.UTF8.GetString(raw);
        if (!all.Contains("sip:b@", StringComparison.Ordinal))
        {
            var (second, _) = await RawSipClient.ReadTcpAsync(tcp, TimeSpan.FromSeconds(3));
            Assert.Equal(200, second!.StatusCode);
        }
    }

    [Fact]
    public async Task Tcp_request_without_content_length_gets_400_and_the_connection_closes()
    {
        string request = RawSipClient.Request("OPTIONS", $"sip:alice@127.0.0.1:{Server.Port}", 5060, transport: "TCP")
            .Replace("Content-Length: 0\r\n", string.Empty, StringComparison.Ordinal);
        var (response, _) = await RawSipClient.SendTcpAsync(EndPoint, Encoding.UTF8.GetBytes(request));
        Assert.NotNull(response);
        Assert.Equal(400, response.StatusCode);
        Assert.Equal("Content-Length Required On Stream Transport", response.ReasonPhrase);
    }
}
