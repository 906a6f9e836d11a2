using System.Net;

namespace Presence.Sip.Transport;

/// <summary>All the transports of one endpoint, sending each message on the transport its destination names.</summary>
public sealed class SipTransportSet : ISipSender, IAsyncDisposable
{
    private readonly List<UdpSipTransport> _udp = [];
    private readonly List<StreamSipTransport> _streams = [];
    private readonly List<WebSocketSipTransport> _webSockets = [];

    public IReadOnlyList<UdpSipTransport> Udp => _udp;

    public IReadOnlyList<StreamSipTransport> Streams => _streams;

    public void Add(UdpSipTransport transport) => _udp.Add(transport);

    public void Add(StreamSipTransport transport) => _streams.Add(transport);

    public IReadOnlyList<WebSocketSipTransport> WebSockets => _webSockets;

    public void Add(WebSocketSipTransport transport) => _webSockets.Add(transport);

    /// <summary>The WebSocket transport of a kind (WS or WSS), or null when that kind is not served.</summary>
    public WebSocketSipTransport? WebSocket(SipTransportKind kind) => _webSockets.FirstOrDefault(t => t.Kind == kind);

    public void Start()
    {
        foreach (var t in _udp)
            t.Start();
        foreach (var t in _streams)
            t.Start();
    }

    /// <summary>The local address of the first listener of a kind (what goes in Via sent-by), or null.</summary>
    public IPEndPoint? LocalEndPoint(SipTransportKind kind, System.Net.Sockets.AddressFamily? family = null) => kind switch
    {
        SipTransportKind.Udp => _udp.FirstOrDefault(t => Matches(t.LocalEndPoint, family))?.LocalEndPoint,
        SipTransportKind.Ws or SipTransportKind.Wss => _webSockets.FirstOrDefault(t => t.Kind == kind)?.LocalEndPoint,
        _ => _streams.FirstOrDefault(t => t.Kind == kind && Matches(t.LocalEndPoint, family))?.LocalEndPoint,
    };

    public ValueTask<bool> SendAsync(SipDestination destination, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (destination.Transport == SipTransportKind.Udp)
        {
            UdpSipTransport? udp = Pick(_udp, t => t.LocalEndPoint, destination.EndPoint);
            return udp is null ? ValueTask.FromResult(false) : udp.SendAsync(destination.EndPoint, message);
        }
        if (destination.Transport is SipTransportKind.Ws or SipTransportKind.Wss)
        {
            // Only on a WebSocket the client opened: a server does not open one (RFC 7118 §5).
            WebSocketSipTransport? ws = WebSocket(destination.Transport);
            return ws is null ? ValueTask.FromResult(false) : ws.SendAsync(destination, message);
        }
        StreamSipTransport? stream = Pick(_streams.Where(t => t.Kind == destination.Transport).ToList(), t => t.LocalEndPoint, destination.EndPoint);
        return stream is null ? ValueTask.FromResult(false) : stream.SendAsync(destination, message);
    }

    // Prefer a listener of the destination's address family; a dual-stack IPv6 wildcard serves both.
    private static T? Pick<T>(List<T> transports, Func<T, IPEndPoint> local, IPEndPoint remote) where T : class
    {
        foreach (var t in transports)
        {
            if (local(t).AddressFamily == remote.AddressFamily)
                return t;
        }
        foreach (var t in transports)
        {
            if (local(t).Address.Equals(IPAddress.IPv6Any))
                return t;
        }
        return null;
    }

    private static bool Matches(IPEndPoint endPoint, System.Net.Sockets.AddressFamily? family) =>
        family is null || endPoint.AddressFamily == family;

    public async ValueTask DisposeAsync()
    {
        foreach (var t in _udp)
            await t.DisposeAsync().ConfigureAwait(false);
        foreach (var t in _streams)
            await t.DisposeAsync().ConfigureAwait(false);
        foreach (var t in _webSockets)
            await t.DisposeAsync().ConfigureAwait(false);
    }
}
