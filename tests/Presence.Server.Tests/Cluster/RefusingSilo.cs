using System.Net;
using System.Net.Sockets;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Cluster;

/// <summary>
/// A stand-in for a silo that is stopping: on UDP loopback, it answers the OPTIONS probes addressed to it 200 (so a
/// load balancer keeps it in its set) and every other request 503 with Retry-After (RFC 3261 §21.5.4), as a draining silo does.
/// </summary>
internal sealed class RefusingSilo : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly DatagramLoop _loop;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _refused = new();
    private int _probes;
    private int _answered503;

    public RefusingSilo()
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        _loop = new DatagramLoop(_socket, OnDatagramAsync);
    }

    public int Port { get; }

    /// <summary>OPTIONS addressed to this silo itself (a load balancer's probes), answered 200.</summary>
    public int Probes => Volatile.Read(ref _probes);

    /// <summary>Requests answered 503, each counted once (a retransmission is answered again, not counted again).</summary>
    public int Refused => _refused.Count;

    /// <summary>503s sent, one per datagram received, retransmissions included.</summary>
    public int Answered503 => Volatile.Read(ref _answered503);

    private async Task OnDatagramAsync(byte[] datagram, EndPoint from)
    {
        if (SipParser.Parse(datagram).Message is not { IsRequest: true } request || request.Method == SipMethods.Ack)
            return;
        SipMessageBuilder answer;
        // A probe is addressed to the silo itself (no user part); an OPTIONS about a user is a request like any other.
        if (request.Method == SipMethods.Options && !request.RequestUri.Contains('@', StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _probes);
            answer = SipMessageBuilder.ResponseTo(request, 200);
        }
        else
        {
            _refused.TryAdd(request.CallId + " " + request.GetFirst(HeaderId.CSeq), 0);
            Interlocked.Increment(ref _answered503);
            answer = SipMessageBuilder.ResponseTo(request, 503, "Stopping").Add(HeaderId.RetryAfter, "5");
        }
        await _socket.SendToAsync(answer.ToArray(), SocketFlags.None, from);
    }

    public ValueTask DisposeAsync() => _loop.DisposeAsync();
}
