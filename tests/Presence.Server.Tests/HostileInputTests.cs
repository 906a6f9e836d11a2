using System.Net;
using System.Net.Sockets;
using System.Text;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;
using Xunit.Abstractions;

namespace Presence.Server.Tests;

/// <summary>
/// Hostile input against the real server (SPEC.md "Bad input"): XML bombs, oversized and malformed messages, header
/// injection, slow and broken connections, garbage. After every case the server still answers OPTIONS and alice's
/// stored state is what it was. Each test reports how many cases it tried, and the running total of the suite.
/// </summary>
public sealed partial class HostileInputTests(HostileServerFixture fixture, ITestOutputHelper output) : IClassFixture<HostileServerFixture>
{
    private ServerProcess Server => fixture.Server;

    private IPEndPoint EndPoint => fixture.EndPoint;

    private int _cases;

    /// <summary>Counts a case, logs what the server answered, and checks the server is unharmed.</summary>
    private async Task CaseAsync(string name, string outcome)
    {
        _cases++;
        fixture.Count();
        output.WriteLine($"{name}: {outcome}");
        await fixture.AssertUnharmedAsync(name);
    }

    private void Report() => output.WriteLine($"{_cases} cases tried in this test; {fixture.Cases} so far in the hostile-input suite.");

    private static string Describe(SipMessage? response) => response is null ? "no answer" : $"{response.StatusCode} {response.ReasonPhrase}";

    private string Publish(int localPort, string body, string transport = "UDP", string contentType = "application/pidf+xml") =>
        RawSipClient.Request(
            "PUBLISH", "sip:alice@example.com", localPort, transport: transport,
            extraHeaders: $"Event: presence\r\nExpires: 600\r\nContent-Type: {contentType}\r\n", body: body);

    public static TheoryData<string> XmlBombs => new(XmlBomb.Names);

    [Theory]
    [MemberData(nameof(XmlBombs))]
    public async Task Xml_bombs_in_publish_are_refused_and_nothing_is_stored(string bomb)
    {
        (byte[] body, string contentType) = XmlBomb.Make(bomb);
        string head = Publish(5060, string.Empty, "TCP", contentType).Replace("Content-Length: 0", $"Content-Length: {body.Length}", StringComparison.Ordinal);
        byte[] request = [.. Encoding.UTF8.GetBytes(head), .. body];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (response, _) = await RawSipClient.SendTcpAsync(EndPoint, request, TimeSpan.FromSeconds(10));
        // Should a bomb ever be accepted, its publication is removed (RFC 3903 §4.4) before this case fails, so that the
        // failure stays this case's and does not show up again in every later case's check of alice's state.
        if (response?.StatusCode is >= 200 and < 300 && response.GetFirst(HeaderId.SipETag) is { } etag)
        {
            string remove = Publish(5060, string.Empty, "TCP").Replace("Expires: 600\r\n", $"Expires: 0\r\nSIP-If-Match: {etag}\r\n", StringComparison.Ordinal);
            await RawSipClient.SendTcpAsync(EndPoint, Encoding.UTF8.GetBytes(remove));
        }

        Assert.NotNull(response);
        Assert.Equal(400, response.StatusCode);
        Assert.StartsWith("Bad Presence Document", response.ReasonPhrase, StringComparison.Ordinal);
        Assert.True(clock.ElapsedMilliseconds < 5000, $"took {clock.ElapsedMilliseconds} ms");
        await CaseAsync($"PUBLISH {bomb} ({body.Length:N0} bytes)", Describe(response));
        Report();
    }

    [Fact]
    public async Task A_one_megabyte_publish_is_refused_before_its_body_is_read()
    {
        // The whole body would be refused anyway; the point is that the server says so from the header section alone
        // (RFC 3261 §21.5.14 513) and closes the stream, without buffering a megabyte first.
        string head = Publish(5060, string.Empty, "TCP").Replace("Content-Length: 0", "Content-Length: 1048576", StringComparison.Ordinal);
        using var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync(EndPoint);
        await tcp.SendAsync(Encoding.UTF8.GetBytes(head), SocketFlags.None);
        var (response, _) = await RawSipClient.ReadTcpAsync(tcp, TimeSpan.FromSeconds(5));
        Assert.Equal(513, response?.StatusCode);
        Assert.True(await ClosedByServerAsync(tcp, TimeSpan.FromSeconds(5)), "the connection stayed open");
        await CaseAsync("PUBLISH announcing a 1 MB body over TCP", Describe(response));

        // Over UDP a datagram cannot carry it at all: the largest that can be sent is refused as too large or ignored.
        using var udp = new RawSipClient();
        string big = Publish(udp.LocalPort, "<presence>" + new string(' ', 64_000) + "</presence>");
        var udpResponse = await udp.SendUdpAsync(EndPoint, big, TimeSpan.FromSeconds(2));
        Assert.True(udpResponse?.StatusCode is null or 400 or 513, Describe(udpResponse));
        await CaseAsync("PUBLISH of 64 KB over UDP", Describe(udpResponse));
        Report();
    }

    [Fact]
    public async Task Huge_header_lines_and_too_many_headers_get_400()
    {
        string longLine = $"X-Long: {new string('a', 60 * 1024)}\r\n";
        string manyHeaders = string.Concat(Enumerable.Range(0, 4000).Select(i => $"X-F{i}: {i}\r\n"));
        foreach (var (name, extra, reason) in new[]
        {
            ("a 60 KB header line", longLine, "Header Line Too Long"),
            ("4,000 header fields", manyHeaders, "Too Many Header Fields"),
        })
        {
            using var udp = new RawSipClient();
            var overUdp = await udp.SendUdpAsync(EndPoint, RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{Server.Port}", udp.LocalPort, extraHeaders: extra));
            Assert.Equal(400, overUdp?.StatusCode);
            Assert.Equal(reason, overUdp!.ReasonPhrase);
            await CaseAsync(name + " over UDP", Describe(overUdp));

            var (overTcp, _) = await RawSipClient.SendTcpAsync(
                EndPoint, Encoding.UTF8.GetBytes(RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{Server.Port}", 5060, transport: "TCP", extraHeaders: extra)));
            Assert.Equal(400, overTcp?.StatusCode);
            Assert.Equal(reason, overTcp!.ReasonPhrase);
            await CaseAsync(name + " over TCP", Describe(overTcp));
        }

        // A start line past the limit: nothing in the message can be trusted to address an answer, so it is dropped.
        using (var udp = new RawSipClient())
        {
            string probe = $"sip:probe@127.0.0.1:{Server.Port}";
            string request = RawSipClient.Request("OPTIONS", probe, udp.LocalPort)
                .Replace($"OPTIONS {probe} ", $"OPTIONS sip:{new string('u', 60 * 1024)}@127.0.0.1 ", StringComparison.Ordinal);
            var answer = await udp.SendUdpAsync(EndPoint, request, TimeSpan.FromMilliseconds(500));
            Assert.Null(answer);
            await CaseAsync("a 60 KB Request-URI over UDP", Describe(answer));
        }

        // A header section that never ends, past the message size limit: 513 cannot be addressed, the stream is closed.
        using (var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            await tcp.ConnectAsync(EndPoint);
            string endless = RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{Server.Port}", 5060, transport: "TCP")
                .Replace("Content-Length: 0\r\n\r\n", string.Concat(Enumerable.Repeat("X-Filler: 0123456789\r\n", 4000)), StringComparison.Ordinal);
            await SendIgnoringResetAsync(tcp, Encoding.UTF8.GetBytes(endless));
            Assert.True(await ClosedByServerAsync(tcp, TimeSpan.FromSeconds(5)), "the connection stayed open");
            await CaseAsync("an 88 KB header section without its empty line over TCP", "closed");
        }

        // Folding (RFC 3261 §7.3.1) makes one field out of many short lines: the line limit holds, the size limit too.
        using (var udp = new RawSipClient())
        {
            string folded = "X-Folded: start\r\n" + string.Concat(Enumerable.Repeat(" continued\r\n", 5000));
            var answer = await udp.SendUdpAsync(EndPoint, RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{Server.Port}", udp.LocalPort, extraHeaders: folded));
            Assert.True(answer?.StatusCode is 200 or 400, Describe(answer));
            await CaseAsync("a 55 KB field folded over 5,000 lines over UDP", Describe(answer));
        }
        Report();
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData("0x10")]
    [InlineData("1e3")]
    [InlineData("5 5")]
    [InlineData("99999999999999999999")]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("0\r\nContent-Length: 5")]
    public async Task Malformed_content_length_over_udp_gets_400(string value)
    {
        using var udp = new RawSipClient();
        string request = RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{Server.Port}", udp.LocalPort, body: "hello")
            .Replace("Content-Length: 5", "Content-Length: " + value, StringComparison.Ordinal);
        var response = await udp.SendUdpAsync(EndPoint, request);
        Assert.Equal(400, response?.StatusCode);
        await CaseAsync($"Content-Length '{value.Replace("\r\n", "\\r\\n", StringComparison.Ordinal)}' over UDP", Describe(response));
        Report();
    }

    [Fact]
    public async Task Malformed_content_length_on_a_stream_is_refused_and_closes_it()
    {
        foreach (string value in new[] { "abc", "-1", "99999999999" })
        {
            using var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await tcp.ConnectAsync(EndPoint);
            string request = RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{Server.Port}", 5060, transport: "TCP")
                .Replace("Content-Length: 0", "Content-Length: " + value, StringComparison.Ordinal);
            await tcp.SendAsync(Encoding.UTF8.GetBytes(request), SocketFlags.None);
            var (response, _) = await RawSipClient.ReadTcpAsync(tcp, TimeSpan.FromSeconds(3));
            Assert.True(response?.StatusCode is 400 or 513, Describe(response));
            Assert.True(await ClosedByServerAsync(tcp, TimeSpan.FromSeconds(5)), "the connection stayed open");
            await CaseAsync($"Content-Length '{value}' over TCP", Describe(response) + ", closed");
        }

        // Two Content-Lengths that disagree: whichever the framer believed, the bytes after the header section must not
        // be read as a request of their own (request smuggling), whichever order the two come in.
        foreach (bool smallFirst in new[] { true, false })
        {
            using var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await tcp.ConnectAsync(EndPoint);
            int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            string smuggled = RawSipClient.Request("OPTIONS", $"sip:smuggled@127.0.0.1:{Server.Port}", port, transport: "TCP");
            string lengths = smallFirst
                ? $"Content-Length: 0\r\nContent-Length: {smuggled.Length}"
                : $"Content-Length: {smuggled.Length}\r\nContent-Length: 0";
            string carrier = RawSipClient.Request("OPTIONS", $"sip:carrier@127.0.0.1:{Server.Port}", port, transport: "TCP")
                .Replace("Content-Length: 0", lengths, StringComparison.Ordinal);
            await tcp.SendAsync(Encoding.UTF8.GetBytes(carrier + smuggled), SocketFlags.None);
            var answers = await ReadAllAsync(tcp, TimeSpan.FromSeconds(2));
            Assert.DoesNotContain("sip:smuggled@", answers, StringComparison.Ordinal);
            Assert.StartsWith("SIP/2.0 400 Conflicting Content-Length Headers\r\n", answers, StringComparison.Ordinal);
            await CaseAsync($"conflicting Content-Lengths over TCP, {(smallFirst ? "smaller" : "larger")} first", "400, nothing smuggled");
        }
        Report();
    }

    /// <summary>True when the server closes (or resets) the connection within the time.</summary>
    internal static async Task<bool> ClosedByServerAsync(Socket socket, TimeSpan within)
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(within);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Sends, ignoring the reset a server that has stopped reading may answer with.</summary>
    internal static async Task SendIgnoringResetAsync(Socket socket, byte[] bytes)
    {
        try
        {
            await socket.SendAsync(bytes, SocketFlags.None);
        }
        catch (SocketException)
        {
        }
    }

    private static async Task<string> ReadAllAsync(Socket socket, TimeSpan within)
    {
        var text = new StringBuilder();
        var buffer = new byte[8192];
        using var cts = new CancellationTokenSource(within);
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
                text.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
        }
        return text.ToString();
    }
}
