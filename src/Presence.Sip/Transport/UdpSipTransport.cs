using System.Net;
using System.Net.Sockets;
using Presence.Sip.Message;

namespace Presence.Sip.Transport;

/// <summary>
/// SIP over UDP (RFC 3261 §18): one socket, one receive loop, every datagram one message. An IPv6 wildcard
/// binding is dual-stack, so one listener serves IPv4 and IPv6 clients.
/// </summary>
public sealed class UdpSipTransport : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly SipParserLimits _limits;
    private readonly Func<InboundMessage, ValueTask> _onReceive;
    private readonly Action<Exception>? _onError;
    private readonly SourceRateLimiter? _limiter;
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private Task? _loop;

    public UdpSipTransport(
        IPEndPoint bind, SipParserLimits limits, Func<InboundMessage, ValueTask> onReceive, Action<Exception>? onError = null,
        SourceRateLimiter? limiter = null)
    {
        _limits = limits;
        _limiter = limiter;
        _onReceive = onReceive;
        _onError = onError;
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (bind.AddressFamily == AddressFamily.InterNetworkV6 && bind.Address.Equals(IPAddress.IPv6Any))
            _socket.DualMode = true;
        // Presence traffic comes in bursts (a storm of re-REGISTERs after an outage): give the kernel room.
        _socket.ReceiveBufferSize = 4 * 1024 * 1024;
        _socket.SendBufferSize = 4 * 1024 * 1024;
        _socket.Bind(bind);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public void Start() => _loop ??= Task.Run(ReceiveLoopAsync);

    public async ValueTask<bool> SendAsync(IPEndPoint remote, ReadOnlyMemory<byte> message)
    {
        if (message.Length > _limits.MaxMessageSize)
            return false;
        if (_socket.DualMode && remote.AddressFamily == AddressFamily.InterNetwork)
            remote = new IPEndPoint(remote.Address.MapToIPv6(), remote.Port);
        try
        {
            await _socket.SendToAsync(message, SocketFlags.None, remote, _stop.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[65_536];
        EndPoint any = _socket.AddressFamily == AddressFamily.InterNetworkV6
            ? new IPEndPoint(IPAddress.IPv6Any, 0)
            : new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                // An ICMP error from an earlier send, or a datagram larger than the buffer: skip it, keep serving.
                _onError?.Invoke(ex);
                continue;
            }
            if (received.ReceivedBytes == 0)
                continue;
            var remote = (IPEndPoint)received.RemoteEndPoint;
            if (remote.Address.IsIPv4MappedToIPv6)
                remote = new IPEndPoint(remote.Address.MapToIPv4(), remote.Port);
            // Keep-alive: a bare CRLF (RFC 5626 §4.4.1 uses STUN on UDP; many clients send CRLF) is ignored.
            if (received.ReceivedBytes <= 4 && buffer.AsSpan(0, received.ReceivedBytes).TrimStart("\r\n"u8).IsEmpty)
                continue;
            // Charged before the copy and the parse: a flood's excess costs one table look-up per datagram.
            int refusedRetryAfter = 0;
            if (_limiter is not null && !_limiter.TryAdmit(remote.Address, buffer.AsSpan(0, received.ReceivedBytes), out refusedRetryAfter))
                continue;
            // The message keeps the bytes it was parsed from, so each datagram gets its own copy.
            byte[] datagram = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            var inbound = new InboundMessage(
                SipParser.Parse(datagram, 0, datagram.Length, _limits),
                new SipDestination(SipTransportKind.Udp, remote),
                LocalEndPoint)
            {
                RefusedRetryAfter = refusedRetryAfter,
            };
            InboundDelivery.Deliver(_onReceive, inbound, _onError);
        }
    }

    /// <summary>Stops receiving and closes the socket; a second call (a host that failed to start stops and then disposes) does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        if (_loop is not null)
            await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
