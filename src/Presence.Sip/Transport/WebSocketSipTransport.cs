using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using Presence.Sip.Message;

namespace Presence.Sip.Transport;

/// <summary>
/// SIP over WebSocket (RFC 7118) for one kind, WS or WSS: the table of open WebSocket flows. The web server does the
/// HTTP upgrade and the TLS and hands each accepted WebSocket to <see cref="ServeAsync"/>; every WebSocket message is
/// one SIP message. A server cannot open a WebSocket to a client (RFC 7118 §5), so responses and requests to a client
/// (NOTIFY) go on the flow it opened, and when that is gone they cannot be sent: a closed WebSocket ends nothing at
/// once, exactly as a closed TCP connection does.
/// </summary>
public sealed class WebSocketSipTransport : IAsyncDisposable
{
    /// <summary>The WebSocket subprotocol of SIP (RFC 7118 §4.1).</summary>
    public const string SubProtocol = "sip";

    private static long s_nextId;

    private readonly SipTransportKind _kind;
    private readonly SipParserLimits _limits;
    private readonly SipStreamOptions _options;
    private readonly Func<InboundMessage, ValueTask> _onReceive;
    private readonly Action<Exception>? _onError;
    private readonly SourceRateLimiter? _limiter;
    private readonly ConnectionsPerSource _perSource;
    private readonly ConcurrentDictionary<long, Flow> _byId = new();
    private readonly ConcurrentDictionary<IPEndPoint, Flow> _byRemote = new();
    private readonly CancellationTokenSource _stop = new();
    private long _refusedConnections, _oversized;
    private int _disposed;

    public WebSocketSipTransport(
        SipTransportKind kind, IPEndPoint local, SipParserLimits limits, SipStreamOptions options,
        Func<InboundMessage, ValueTask> onReceive, Action<Exception>? onError = null, SourceRateLimiter? limiter = null)
    {
        if (kind is not (SipTransportKind.Ws or SipTransportKind.Wss))
            throw new ArgumentException("Not a WebSocket transport.", nameof(kind));
        _kind = kind;
        LocalEndPoint = local;
        _limits = limits;
        _options = options;
        _onReceive = onReceive;
        _onError = onError;
        _limiter = limiter;
        _perSource = new ConnectionsPerSource(options.MaxConnectionsPerAddress);
    }

    public SipTransportKind Kind => _kind;

    /// <summary>The address the web server listens on for this kind (what goes in the Via of requests sent on it).</summary>
    public IPEndPoint LocalEndPoint { get; }

    public int ConnectionCount => _byId.Count;

    /// <summary>WebSockets refused because their source had <see cref="SipStreamOptions.MaxConnectionsPerAddress"/> open, or the
    /// transport had <see cref="SipStreamOptions.MaxConnections"/>.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

    /// <summary>WebSockets closed because a message was larger than the parser's limit (close code 1009).</summary>
    public long OversizedMessages => Interlocked.Read(ref _oversized);

    /// <summary>
    /// Whether a new WebSocket from <paramref name="remote"/> may be accepted (the per-address and total limits); when
    /// true, the caller must call <see cref="ServeAsync"/> or <see cref="Release"/>.
    /// </summary>
    public bool TryAdmit(IPEndPoint remote)
    {
        if (_stop.IsCancellationRequested || _byId.Count >= _options.MaxConnections || !_perSource.TryAcquire(Normalize(remote).Address))
        {
            Interlocked.Increment(ref _refusedConnections);
            return false;
        }
        return true;
    }

    /// <summary>Gives back an admission that was not served.</summary>
    public void Release(IPEndPoint remote) => _perSource.Release(Normalize(remote).Address);

    /// <summary>
    /// Reads SIP messages from an admitted WebSocket until it closes, is idle for <see cref="SipStreamOptions.IdleTimeout"/>,
    /// sends a message over the size limit (closed with 1009), or the transport stops. Releases the admission.
    /// </summary>
    public async Task ServeAsync(WebSocket socket, IPEndPoint remote, CancellationToken aborted)
    {
        remote = Normalize(remote);
        var flow = new Flow(Interlocked.Increment(ref s_nextId), socket, remote);
        _byId[flow.Id] = flow;
        _byRemote[remote] = flow;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, _stop.Token);
        try
        {
            await ReceiveLoopAsync(flow, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The peer went away or the server stops: this flow ends, nothing else does.
        }
        finally
        {
            _byId.TryRemove(flow.Id, out _);
            _byRemote.TryRemove(new(remote, flow));
            _perSource.Release(remote.Address);
            flow.Dispose();
        }
    }

    private async Task ReceiveLoopAsync(Flow flow, CancellationToken cancellationToken)
    {
        WebSocket socket = flow.Socket;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(_limits.MaxMessageSize, 16 * 1024) + 1);
        try
        {
            var message = new ArrayBufferWriter<byte>(4096);
            while (socket.State == WebSocketState.Open)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                idle.CancelAfter(_options.IdleTimeout);
                ValueWebSocketReceiveResult result;
                try
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(), idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "idle").ConfigureAwait(false);
                    return;
                }
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);
                    return;
                }
                if (message.WrittenCount + result.Count > _limits.MaxMessageSize)
                {
                    Interlocked.Increment(ref _oversized);
                    await CloseAsync(socket, WebSocketCloseStatus.MessageTooBig, "SIP message too large").ConfigureAwait(false);
                    return;
                }
                message.Write(buffer.AsSpan(0, result.Count));
                if (!result.EndOfMessage)
                    continue;
                byte[] bytes = message.WrittenSpan.ToArray();
                message.ResetWrittenCount();
                // RFC 7118 §5: a WebSocket message holds one whole SIP message; a keep-alive (CRLF) is no message.
                if (bytes.AsSpan().Trim("\r\n"u8).IsEmpty)
                    continue;
                int refusedRetryAfter = 0;
                // Charged before parsing, like a datagram; a refused request still gets its 503 (SourceRateLimiter).
                if (_limiter is not null && !_limiter.TryAdmit(flow.Remote.Address, bytes, out refusedRetryAfter))
                    continue;
                var inbound = new InboundMessage(SipParser.Parse(bytes, 0, bytes.Length, _limits), new SipDestination(_kind, flow.Remote, flow.Id), LocalEndPoint)
                {
                    RefusedRetryAfter = refusedRetryAfter,
                };
                InboundDelivery.Deliver(_onReceive, inbound, _onError);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends on the destination's flow, else on the open flow from that address; false when there is none.</summary>
    public async ValueTask<bool> SendAsync(SipDestination destination, ReadOnlyMemory<byte> message)
    {
        Flow? flow = null;
        if (destination.FlowId != 0)
            _byId.TryGetValue(destination.FlowId, out flow);
        if (flow is null)
            _byRemote.TryGetValue(Normalize(destination.EndPoint), out flow);
        return flow is not null && await flow.SendAsync(message, _stop.Token).ConfigureAwait(false);
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string? reason)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Closing a socket that is already gone.
        }
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    /// <summary>Closes every flow; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (Flow flow in _byId.Values)
            await CloseAsync(flow.Socket, WebSocketCloseStatus.EndpointUnavailable, "server stopping").ConfigureAwait(false);
    }

    /// <summary>One WebSocket: sends are one at a time (a WebSocket takes one send at once).</summary>
    private sealed class Flow(long id, WebSocket socket, IPEndPoint remote) : IDisposable
    {
        private readonly SemaphoreSlim _send = new(1, 1);

        public long Id { get; } = id;

        public WebSocket Socket { get; } = socket;

        public IPEndPoint Remote { get; } = remote;

        public async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> message, CancellationToken stop)
        {
            // RFC 7118 §5: text frames for UTF-8 messages, binary otherwise.
            var type = IsUtf8(message.Span) ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                await _send.WaitAsync(timeout.Token).ConfigureAwait(false);
                try
                {
                    if (Socket.State != WebSocketState.Open)
                        return false;
                    await Socket.SendAsync(message, type, endOfMessage: true, timeout.Token).ConfigureAwait(false);
                    return true;
                }
                finally
                {
                    _send.Release();
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                return false;
            }
        }

        private static bool IsUtf8(ReadOnlySpan<byte> bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

        public void Dispose() => _send.Dispose();
    }
}
