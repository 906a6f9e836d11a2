using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Presence.Sip.Message;

namespace Presence.Sip.Transport;

/// <summary>
/// SIP over TCP or TLS (RFC 3261 §18, §26.2): a listener, the table of open flows, and outbound connections
/// for requests to a peer that has none open. Responses and in-dialog requests go back on the flow a peer
/// opened, which is what lets them reach clients behind NAT.
/// </summary>
public sealed class StreamSipTransport : IAsyncDisposable
{
    private static long s_nextId;

    private readonly Socket _listener;
    private readonly SipTransportKind _kind;
    private readonly SipParserLimits _limits;
    private readonly SipStreamOptions _options;
    private readonly Func<InboundMessage, ValueTask> _onReceive;
    private readonly Action<Exception>? _onError;
    private readonly SourceRateLimiter? _limiter;
    private readonly ConnectionsPerSource _perSource;
    private readonly ConcurrentDictionary<long, SipStreamConnection> _byId = new();
    private readonly ConcurrentDictionary<IPEndPoint, SipStreamConnection> _byRemote = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private Task? _acceptLoop;
    private long _refusedConnections, _headerTimeouts;

    public StreamSipTransport(
        SipTransportKind kind, IPEndPoint bind, SipParserLimits limits, SipStreamOptions options,
        Func<InboundMessage, ValueTask> onReceive, Action<Exception>? onError = null, SourceRateLimiter? limiter = null)
    {
        if (kind == SipTransportKind.Udp)
            throw new ArgumentException("UDP is not a stream transport.", nameof(kind));
        if (kind == SipTransportKind.Tls && options.Certificate is null)
            throw new ArgumentException("TLS needs a certificate.", nameof(options));
        _kind = kind;
        _limits = limits;
        _options = options;
        _onReceive = onReceive;
        _onError = onError;
        _limiter = limiter;
        _perSource = new ConnectionsPerSource(options.MaxConnectionsPerAddress);
        _listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (bind.AddressFamily == AddressFamily.InterNetworkV6 && bind.Address.Equals(IPAddress.IPv6Any))
            _listener.DualMode = true;
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(bind);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public SipTransportKind Kind => _kind;

    public IPEndPoint LocalEndPoint { get; }

    public int ConnectionCount => _byId.Count;

    /// <summary>Inbound connections closed at once because their source had <see cref="SipStreamOptions.MaxConnectionsPerAddress"/> open.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

    /// <summary>Connections closed because a header section took longer than <see cref="SipStreamOptions.HeaderTimeout"/>.</summary>
    public long HeaderTimeouts => Interlocked.Read(ref _headerTimeouts);

    public void Start()
    {
        if (_acceptLoop is not null)
            return;
        _listener.Listen(512);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Sends on the destination's flow if it is open, else on any open flow to that address, else on a new connection.</summary>
    public async ValueTask<bool> SendAsync(SipDestination destination, ReadOnlyMemory<byte> message)
    {
        if (destination.FlowId != 0 && _byId.TryGetValue(destination.FlowId, out var flow) && await flow.SendAsync(message).ConfigureAwait(false))
            return true;
        IPEndPoint remote = Normalize(destination.EndPoint);
        if (_byRemote.TryGetValue(remote, out var existing) && await existing.SendAsync(message).ConfigureAwait(false))
            return true;
        SipStreamConnection? connection = await ConnectAsync(remote).ConfigureAwait(false);
        return connection is not null && await connection.SendAsync(message).ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
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
                _onError?.Invoke(ex);
                continue;
            }
            if (_byId.Count >= _options.MaxConnections)
            {
                socket.Dispose();
                continue;
            }
            if (socket.RemoteEndPoint is not IPEndPoint remote)
            {
                socket.Dispose();
                continue;
            }
            IPAddress source = Normalize(remote).Address;
            if (!_perSource.TryAcquire(source))
            {
                Interlocked.Increment(ref _refusedConnections);
                socket.Dispose();
                continue;
            }
            Track(Task.Run(() => ServeAcceptedAsync(socket, source)));
        }
    }

    private async Task ServeAcceptedAsync(Socket socket, IPAddress source)
    {
        try
        {
            await ServeAcceptedAsync(socket).ConfigureAwait(false);
        }
        finally
        {
            _perSource.Release(source);
        }
    }

    private async Task ServeAcceptedAsync(Socket socket)
    {
        socket.NoDelay = true;
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        if (_kind == SipTransportKind.Tls)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            handshake.CancelAfter(_options.HandshakeTimeout);
            try
            {
                await tls.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificate = _options.Certificate,
                        ClientCertificateRequired = false,
                        EnabledSslProtocols = _options.TlsProtocols,
                    },
                    handshake.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException or SocketException)
            {
                // A failed or stalled handshake costs only this connection.
                await tls.DisposeAsync().ConfigureAwait(false);
                socket.Dispose();
                return;
            }
            stream = tls;
        }
        await RunConnectionAsync(NewConnection(socket, stream), expectRequest: true).ConfigureAwait(false);
    }

    private async Task<SipStreamConnection?> ConnectAsync(IPEndPoint remote)
    {
        if (_stop.IsCancellationRequested || _byId.Count >= _options.MaxConnections)
            return null;
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        Stream stream;
        try
        {
            await socket.ConnectAsync(remote, timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (_kind == SipTransportKind.Tls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = remote.Address.ToString(),
                        EnabledSslProtocols = _options.TlsProtocols,
                        RemoteCertificateValidationCallback = (_, _, _, errors) =>
                            errors == SslPolicyErrors.None || _options.AllowUntrustedPeerCertificates,
                    },
                    timeout.Token).ConfigureAwait(false);
                stream = tls;
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or AuthenticationException)
        {
            socket.Dispose();
            return null;
        }
        var connection = NewConnection(socket, stream);
        Track(RunConnectionAsync(connection, expectRequest: false));
        return connection;
    }

    private SipStreamConnection NewConnection(Socket socket, Stream stream) =>
        new(Interlocked.Increment(ref s_nextId), _kind, socket, stream, _limits, _options, _limiter);

    private async Task RunConnectionAsync(SipStreamConnection connection, bool expectRequest)
    {
        _byId[connection.Id] = connection;
        _byRemote[connection.Remote] = connection;
        try
        {
            await connection.RunAsync(_onReceive, _onError, expectRequest).ConfigureAwait(false);
            if (connection.HeaderTimedOut)
                Interlocked.Increment(ref _headerTimeouts);
        }
        finally
        {
            _byId.TryRemove(connection.Id, out _);
            _byRemote.TryRemove(new(connection.Remote, connection));
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Track(Task task)
    {
        _running[task] = 0;
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    /// <summary>Closes the listener and every connection; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        if (_acceptLoop is not null)
            await _acceptLoop.ConfigureAwait(false);
        foreach (var connection in _byId.Values)
            await connection.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_running.Keys).ConfigureAwait(false);
        _stop.Dispose();
    }
}
