using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// A UDP client that keeps the raw bytes of everything the server sends it (responses and NOTIFYs), for tests that
/// look at the wire rather than at a parsed message. NOTIFYs it can parse are answered 200, as a watcher would.
/// </summary>
public sealed class CapturingSipClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ConcurrentQueue<byte[]> _received = new();
    private readonly DatagramLoop _loop;

    public CapturingSipClient(string address = "127.0.0.1")
    {
        var ip = IPAddress.Parse(address);
        _socket = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(ip, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        _loop = new DatagramLoop(_socket, OnDatagramAsync);
    }

    public int Port { get; }

    public Task<int> SendAsync(IPEndPoint server, byte[] message) => _socket.SendToAsync(message, SocketFlags.None, server);

    /// <summary>Waits until <paramref name="enough"/> holds for what has arrived, or the time is up; returns it all.</summary>
    public async Task<IReadOnlyList<byte[]>> CollectAsync(TimeSpan wait, Func<IReadOnlyList<SipMessage>, bool> enough)
    {
        var deadline = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < deadline)
        {
            var parsed = _received.Select(r => SipParser.Parse(r).Message).OfType<SipMessage>().ToList();
            if (enough(parsed))
                break;
            await Task.Delay(20);
        }
        return _received.ToList();
    }

    /// <summary>Forgets what has arrived so far.</summary>
    public void Clear() => _received.Clear();

    private async Task OnDatagramAsync(byte[] raw, EndPoint from)
    {
        _received.Enqueue(raw);
        var parsed = SipParser.Parse(raw);
        if (parsed.Success && parsed.Message!.Method == SipMethods.Notify)
            await _socket.SendToAsync(SipMessageBuilder.ResponseTo(parsed.Message, 200).ToArray(), SocketFlags.None, from);
    }

    public ValueTask DisposeAsync() => _loop.DisposeAsync();
}
