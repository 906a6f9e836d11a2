using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Presence.Sip.Message;
using Presence.Sip.Transactions;
using Presence.Sip.Transport;

namespace Presence.Server.Sip;

/// <summary>
/// Owns the SIP side of the process: the listeners, the transaction layer and the dispatcher. Starts them
/// with the host and, on stop, refuses new requests, waits for those in progress, then closes the sockets.
/// </summary>
public sealed class SipEndpointService : IHostedService, IAsyncDisposable
{
    private readonly SipOptions _options;
    private readonly SipRequestDispatcher _dispatcher;
    private readonly ILogger<SipEndpointService> _logger;
    private readonly TimeProvider _time;
    private readonly Cluster.ClusterMembers? _members;
    private SipTransportSet? _transports;
    private SourceRateLimiter? _limiter;

    public SipEndpointService(
        IOptions<SipOptions> options, SipRequestDispatcher dispatcher, ILogger<SipEndpointService> logger, TimeProvider time,
        Cluster.ClusterMembers? members = null)
    {
        _members = members is { Clustered: true } ? members : null;
        _options = options.Value;
        _dispatcher = dispatcher;
        _logger = logger;
        _time = time;
    }

    public SipTransactionLayer? Transactions { get; private set; }

    public SipTransportSet Transports => _transports ?? throw new InvalidOperationException("The SIP endpoint has not started.");

    /// <summary>The per-source rate limit shared by every listener (its counters are for telemetry); null when off.</summary>
    public SourceRateLimiter? RateLimiter => _limiter;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var limits = new SipParserLimits
        {
            MaxMessageSize = _options.MaxMessageSize,
            MaxHeaderCount = _options.MaxHeaderCount,
            MaxLineLength = _options.MaxLineLength,
        };
        var timers = new SipTimerSettings { T1 = _options.Timers.T1, T2 = _options.Timers.T2, T4 = _options.Timers.T4 };
        var transports = new SipTransportSet();
        var layer = new SipTransactionLayer(transports, _dispatcher.HandleAsync, null, timers, _time);
        Transactions = layer;

        IPAddress address = IPAddress.Parse(_options.ListenAddress);
        Action<Exception> onError = ex => SipLog.TransportError(_logger, ex);
        Func<InboundMessage, ValueTask> receive = inbound =>
        {
            if (inbound.Error.IsError && _logger.IsEnabled(LogLevel.Debug))
                SipLog.Rejected(_logger, inbound.Source.ToString(), inbound.Error.StatusCode, inbound.Error.Reason);
            return layer.ReceiveAsync(inbound);
        };
        var streamOptions = new SipStreamOptions
        {
            IdleTimeout = _options.TcpIdleTimeout,
            HeaderTimeout = _options.HeaderTimeout,
            MaxConnectionsPerAddress = _options.MaxConnectionsPerAddress,
        };
        // One limiter for every listener: a source pays for UDP, TCP and TLS together.
        SourceRateLimiter? limiter = CreateRateLimiter();
        try
        {
            if (_options.UdpPort != 0)
                transports.Add(new UdpSipTransport(new IPEndPoint(address, _options.UdpPort), limits, receive, onError, limiter));
            if (_options.TcpPort != 0)
            {
                transports.Add(new StreamSipTransport(
                    SipTransportKind.Tcp, new IPEndPoint(address, _options.TcpPort), limits, streamOptions, receive, onError, limiter));
            }
            if (LoadCertificate() is { } certificate && _options.TlsPort != 0)
            {
                transports.Add(new StreamSipTransport(
                    SipTransportKind.Tls, new IPEndPoint(address, _options.TlsPort), limits,
                    streamOptions with
                    {
                        Certificate = certificate,
                        TlsProtocols = Enum.Parse<System.Security.Authentication.SslProtocols>(_options.Tls.Protocols, ignoreCase: true),
                    },
                    receive, onError, limiter));
            }
            // SIP over WebSocket (RFC 7118): the web server listens and upgrades (WebSocketEndpoint); these hold the flows.
            var wsOptions = streamOptions with { IdleTimeout = _options.WebSocket.IdleTimeout };
            if (_options.WebSocket.Port != 0)
                transports.Add(new WebSocketSipTransport(SipTransportKind.Ws, new IPEndPoint(address, _options.WebSocket.Port), limits, wsOptions, receive, onError, limiter));
            if (_options.WebSocket.TlsPort != 0)
                transports.Add(new WebSocketSipTransport(SipTransportKind.Wss, new IPEndPoint(address, _options.WebSocket.TlsPort), limits, wsOptions, receive, onError, limiter));
        }
        catch (SocketException)
        {
            // A port in use: release what was bound and let the host report the failure.
            transports.DisposeAsync().AsTask().GetAwaiter().GetResult();
            limiter?.Dispose();
            throw;
        }
        transports.Start();
        _transports = transports;
        _limiter = limiter;
        foreach (var udp in transports.Udp)
            SipLog.Listening(_logger, "udp", udp.LocalEndPoint);
        foreach (var stream in transports.Streams)
            SipLog.Listening(_logger, stream.Kind.ToViaToken().ToLowerInvariant(), stream.LocalEndPoint);
        foreach (var ws in transports.WebSockets)
            SipLog.Listening(_logger, ws.Kind.ToViaToken().ToLowerInvariant(), ws.LocalEndPoint);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_transports is null)
            return;
        SipLog.Draining(_logger, _options.ShutdownTimeout);
        _dispatcher.StartDraining();
        var deadline = _time.GetUtcNow() + _options.ShutdownTimeout;
        while (_dispatcher.InFlight > 0 && _time.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        await _transports.DisposeAsync().ConfigureAwait(false);
        _transports = null;
        _limiter?.Dispose();
        SipLog.Stopped(_logger);
    }

    private SourceRateLimiter? CreateRateLimiter()
    {
        SipRateLimitOptions rate = _options.RateLimit;
        if (!rate.IsOn)
        {
            SipLog.RateLimitOff(_logger);
            return null;
        }
        return new SourceRateLimiter(
            new SourceRateLimiterOptions
            {
                RequestsPerSecond = rate.RequestsPerSecond,
                Burst = rate.Burst,
                MaxTrackedSources = rate.MaxTrackedSources,
                Exempt = rate.ExemptNetworks(),
            },
            _time)
        {
            OnLimited = source => SipLog.SourceLimited(_logger, source, rate.RequestsPerSecond),
            // The cluster's members are never limited: a proxy in front of them (Kamailio) is exempted by configuration.
            IsTrusted = _members is null ? null : _members.IsPeer,
        };
    }

    private X509Certificate2? LoadCertificate()
    {
        try
        {
            return LoadCertificate(_options);
        }
        catch (InvalidOperationException ex)
        {
            SipLog.CertificateFailed(_logger, ex.InnerException ?? ex, _options.Tls.CertificatePath);
            throw;
        }
    }

    /// <summary>The certificate of Sip:Tls (PKCS#12, or PEM with its key), null when none is set; also WSS's (Program).</summary>
    internal static X509Certificate2? LoadCertificate(SipOptions options)
    {
        string path = options.Tls.CertificatePath;
        if (string.IsNullOrEmpty(path))
            return null;
        try
        {
            if (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
                return X509CertificateLoader.LoadPkcs12FromFile(path, string.IsNullOrEmpty(options.Tls.CertificatePassword) ? null : options.Tls.CertificatePassword);
            using var pem = string.IsNullOrEmpty(options.Tls.KeyPath)
                ? X509Certificate2.CreateFromPemFile(path)
                : X509Certificate2.CreateFromPemFile(path, options.Tls.KeyPath);
            // SslStream wants a key it can use as a server credential; a PKCS#12 round trip gives it one.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new InvalidOperationException($"Sip:Tls:CertificatePath '{path}' could not be loaded: {ex.Message}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_transports is not null)
            await _transports.DisposeAsync().ConfigureAwait(false);
        _limiter?.Dispose();
    }
}
