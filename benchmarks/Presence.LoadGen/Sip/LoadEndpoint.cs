using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Presence.Sip.Message;
using Presence.Sip.Transactions;
using Presence.Sip.Transport;

namespace Presence.LoadGen.Sip;

/// <summary>What happens to a NOTIFY a simulated watcher receives; returns the status to answer it with.</summary>
internal interface INotifySink
{
    /// <summary>Also told of retransmissions (a CSeq the dialog already had), which it must answer as before.</summary>
    int OnNotify(SipMessage notify, long receivedAt);
}

/// <summary>
/// One local socket (UDP) or connection (TCP) shared by up to a hundred simulated users, with the project's own
/// transaction layer on top: requests are retransmitted on UDP (timer E) and time out (timer F) as RFC 3261 §17.1.2
/// says, so the counts are a real client's. NOTIFYs are answered without a server transaction: the sink knows each
/// dialog's CSeqs and answers a retransmission as it answered the original, which is all a non-INVITE server
/// transaction would do, without holding every received NOTIFY for 32 s (at 10,000 a second, 2 GB of the load
/// generator's heap and much of its CPU, on the cores it shares with the server it measures).
/// </summary>
internal sealed class LoadEndpoint : IAsyncDisposable
{
    private readonly SipTransportSet _transports = new();
    private readonly LoopbackOnlySender _sender;
    private readonly SipTransactionLayer _layer;
    private readonly INotifySink _sink;
    private readonly SipDestination _server;
    private readonly WebSocketFlow? _webSocket;
    private long _transportErrors;

    private LoadEndpoint(SipTransportKind transport, IPEndPoint bind, IPEndPoint server, INotifySink sink, WebSocketFlow? webSocket = null)
    {
        _sink = sink;
        _server = new SipDestination(transport, server);
        _webSocket = webSocket;
        // Over WebSocket everything goes on the one flow this endpoint opened (a server never connects to a browser).
        _sender = new LoopbackOnlySender(webSocket is null ? _transports : webSocket);
        _layer = new SipTransactionLayer(_sender, OnRequestAsync);
        Action<Exception> onError = _ => Interlocked.Increment(ref _transportErrors);
        if (webSocket is not null)
        {
            LocalEndPoint = webSocket.LocalEndPoint;
        }
        else if (transport == SipTransportKind.Udp)
        {
            var udp = new UdpSipTransport(bind, SipParserLimits.Default, ReceiveAsync, onError);
            _transports.Add(udp);
            LocalEndPoint = udp.LocalEndPoint;
        }
        else
        {
            // The listener is there for a server that loses the flow and connects back to the Contact.
            var tcp = new StreamSipTransport(transport, bind, SipParserLimits.Default, SipStreamOptions.Default, ReceiveAsync, onError);
            _transports.Add(tcp);
            LocalEndPoint = tcp.LocalEndPoint;
        }
        Transport = transport;
        IPAddress local = bind.Address;
        string host = local.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + local + "]" : local.ToString();
        SentBy = host + ":" + LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture);
        _transports.Start();
    }

    public SipTransportKind Transport { get; }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>host:port, for Via sent-by and Contact.</summary>
    public string SentBy { get; }

    public SipTransactionCounters Counters => _layer.Counters;

    /// <summary>Exceptions the transport reported (ICMP errors, oversized datagrams) and sends refused as off-machine.</summary>
    public long TransportErrors => Interlocked.Read(ref _transportErrors) + _sender.Refused;

    /// <summary>Opens the socket; on TCP also the connection, before any request races to open its own.</summary>
    public static async Task<LoadEndpoint> OpenAsync(SipTransportKind transport, IPEndPoint local, IPEndPoint server, INotifySink sink)
    {
        if (transport == SipTransportKind.Ws)
        {
            LoadEndpoint? opened = null;
            long errors = 0;
            var flow = await WebSocketFlow.ConnectAsync(local, server, inbound => opened!.ReceiveAsync(inbound), _ => Interlocked.Increment(ref errors)).ConfigureAwait(false);
            opened = new LoadEndpoint(transport, local, server, sink, flow);
            return opened;
        }
        var endpoint = new LoadEndpoint(transport, local, server, sink);
        // RFC 5626 §3.5.1: a double CRLF is a keep-alive ping; here it just opens the flow.
        if (transport != SipTransportKind.Udp && !await endpoint._sender.SendAsync(endpoint._server, "\r\n\r\n"u8.ToArray()).ConfigureAwait(false))
        {
            await endpoint.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"Cannot connect to {server} over {transport}: is the server running?");
        }
        return endpoint;
    }

    /// <summary>The Contact URI of a user on this endpoint.</summary>
    public string ContactUri(string user) =>
        $"sip:{user}@{SentBy}" + Transport switch
        {
            SipTransportKind.Tcp => ";transport=tcp",
            SipTransportKind.Ws => ";transport=ws",
            _ => string.Empty,
        };

    /// <summary>The top Via of a request; the branch names its client transaction.</summary>
    public string Via(string branch) => $"SIP/2.0/{Transport.ToViaToken()} {SentBy};branch={branch};rport";

    public Task<ClientTransactionResult> SendAsync(SipMessageBuilder request, string branch) =>
        _layer.SendRequest(_server, request, branch).Completion;

    private ValueTask ReceiveAsync(InboundMessage inbound)
    {
        if (!inbound.Error.IsError && inbound.RefusedRetryAfter == 0
            && inbound.Message is { IsRequest: true, Method: SipMethods.Notify, TopVia: { } via } notify)
        {
            int status = _sink.OnNotify(notify, Stopwatch.GetTimestamp());
            byte[] response = SipMessageBuilder.ResponseTo(notify, status, null, null, ResponseRouting.ResponseVia(inbound.Source, via))
                .ToArray();
            return DiscardAsync(_sender.SendAsync(ResponseRouting.Destination(inbound.Source, via), response));
        }
        return _layer.ReceiveAsync(inbound);
    }

    // A lost 200 is the server's to retransmit for; a send that fails is counted by the sender.
    private static async ValueTask DiscardAsync(ValueTask<bool> send) => await send.ConfigureAwait(false);

    private async ValueTask OnRequestAsync(ServerTransaction transaction)
    {
        SipMessage request = transaction.Request;
        int status = request.Method switch
        {
            SipMethods.Options => 200,
            _ => 405,
        };
        var response = transaction.CreateResponse(status);
        if (status == 405)
            response.Add(HeaderId.Allow, "NOTIFY, OPTIONS");
        await transaction.RespondAsync(response).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_webSocket is not null)
            await _webSocket.DisposeAsync().ConfigureAwait(false);
        await _transports.DisposeAsync().ConfigureAwait(false);
    }
}
