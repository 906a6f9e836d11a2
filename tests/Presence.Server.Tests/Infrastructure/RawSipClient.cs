using System.Net;
using System.Net.Sockets;
using System.Text;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>Sends hand-written bytes over UDP or TCP, for the malformed input no real client produces.</summary>
public sealed class RawSipClient : IDisposable
{
    private readonly Socket _udp;

    public RawSipClient(string address = "127.0.0.1")
    {
        var ip = IPAddress.Parse(address);
        _udp = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(new IPEndPoint(ip, 0));
        LocalPort = ((IPEndPoint)_udp.LocalEndPoint!).Port;
    }

    public int LocalPort { get; }

    /// <summary>Sends one datagram and returns the first response within the timeout, or null.</summary>
    public async Task<SipMessage?> SendUdpAsync(IPEndPoint server, string message, TimeSpan? timeout = null) =>
        await SendUdpAsync(server, Encoding.UTF8.GetBytes(message), timeout);

    public async Task<SipMessage?> SendUdpAsync(IPEndPoint server, byte[] message, TimeSpan? timeout = null)
    {
        await _udp.SendToAsync(message, SocketFlags.None, server);
        return await ReceiveUdpAsync(timeout ?? TimeSpan.FromSeconds(3));
    }

    /// <summary>
    /// Sends one datagram and returns the first datagram back as the parser reads it, error included: for an answer that
    /// copies a broken header of its request (a 400 for a CSeq that is not a number carries that CSeq).
    /// </summary>
    public async Task<SipParseResult?> SendUdpExpectingEchoAsync(IPEndPoint server, string message, TimeSpan? timeout = null)
    {
        await _udp.SendToAsync(Encoding.UTF8.GetBytes(message), SocketFlags.None, server);
        var buffer = new byte[65_536];
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(3));
        try
        {
            var any = _udp.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
            var result = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, cts.Token);
            return SipParser.Parse(buffer.AsSpan(0, result.ReceivedBytes).ToArray());
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async Task<SipMessage?> ReceiveUdpAsync(TimeSpan timeout)
    {
        var buffer = new byte[65_536];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var any = _udp.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
            var result = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, cts.Token);
            var parsed = SipParser.Parse(buffer.AsSpan(0, result.ReceivedBytes).ToArray());
            return parsed.Success ? parsed.Message : throw new InvalidDataException("The server sent an unparseable response: " + parsed.Error);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Opens a TCP connection, sends the bytes, and reads one framed response (or null at timeout or close).</summary>
    public static async Task<(SipMessage? Response, byte[] Raw)> SendTcpAsync(IPEndPoint server, byte[] message, TimeSpan? timeout = null)
    {
        using var tcp = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync(server);
        await tcp.SendAsync(message, SocketFlags.None);
        return await ReadTcpAsync(tcp, timeout ?? TimeSpan.FromSeconds(3));
    }

    public static async Task<(SipMessage? Response, byte[] Raw)> ReadTcpAsync(Socket tcp, TimeSpan timeout)
    {
        var received = new List<byte>();
        var buffer = new byte[8192];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                int n = await tcp.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                    return (null, received.ToArray());
                received.AddRange(buffer.AsSpan(0, n));
                byte[] all = received.ToArray();
                int length = SipParser.FrameStreamMessage(all, SipParserLimits.Default, out _);
                if (length > 0)
                    return (SipParser.Parse(all, 0, length).Message, all);
                if (all.Length <= 4 && all.AsSpan().TrimStart("\r\n"u8).IsEmpty && all.Length >= 2)
                    return (null, all);
            }
        }
        catch (OperationCanceledException)
        {
            return (null, received.ToArray());
        }
    }

    public static string Request(
        string method, string uri, int localPort, string? branch = null, string transport = "UDP", string extraHeaders = "", string body = "")
    {
        branch ??= "z9hG4bK" + Guid.NewGuid().ToString("N")[..16];
        return $"{method} {uri} SIP/2.0\r\n"
            + $"Via: SIP/2.0/{transport} 127.0.0.1:{localPort};branch={branch};rport\r\n"
            + "Max-Forwards: 70\r\n"
            + "From: <sip:tester@127.0.0.1>;tag=abc123\r\n"
            + $"To: <{uri}>\r\n"
            + $"Call-ID: {Guid.NewGuid():N}@127.0.0.1\r\n"
            + $"CSeq: 1 {method}\r\n"
            + extraHeaders
            + $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n"
            + body;
    }

    public void Dispose() => _udp.Dispose();
}
