using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Presence.Server.Edge;
using Presence.Server.Sip;
using Presence.Sip.Message;
using Presence.Sip.Transactions;
using Presence.Sip.Transport;

namespace Presence.Server.Tests.Edge;

/// <summary>
/// A <see cref="SipProxy"/> on a real transaction layer whose sender records what would go on the wire: the
/// proxy's rewriting checked byte for byte, without sockets. The edge is 198.51.100.1 (UDP and TCP 5060), its
/// one silo 10.0.0.1:5060.
/// </summary>
internal sealed class ProxyHarness
{
    public static readonly SipDestination Silo = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5060));
    public static readonly SipDestination UdpClient = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.10"), 40000));
    public static readonly SipDestination TcpClient = new(SipTransportKind.Tcp, new IPEndPoint(IPAddress.Parse("192.0.2.20"), 41000), 7);

    public ProxyHarness(RecordRouteMode recordRoute = RecordRouteMode.Always, bool servesLocally = false, IEnumerable<SipDestination>? silos = null)
    {
        var options = Options.Create(new SipOptions { ListenAddress = "198.51.100.1", UdpPort = 5060, TcpPort = 5060 });
        Tokens = new SignedFlowToken(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        Proxy = new SipProxy(
            new ProxyIdentity(new LocalIdentity(options), options), new StaticSiloLocator(silos ?? [Silo]), Tokens,
            servesLocally, recordRoute, NullLogger<SipProxy>.Instance);
        Layer = new SipTransactionLayer(new Recorder(Sent), t =>
        {
            Local.Add(t.Request);
            return ValueTask.CompletedTask;
        }, Proxy.ForwardResponseAsync)
        {
            InterceptRequest = Proxy.InterceptRequestAsync,
        };
        Proxy.Attach(Layer);
    }

    public SipProxy Proxy { get; }

    public SignedFlowToken Tokens { get; }

    public SipTransactionLayer Layer { get; }

    public List<(SipDestination To, SipMessage Message)> Sent { get; } = [];

    /// <summary>Requests the proxy left to the local core.</summary>
    public List<SipMessage> Local { get; } = [];

    public (SipDestination To, SipMessage Message) Receive(string text, SipDestination from)
    {
        Sent.Clear();
        var inbound = new InboundMessage(SipParser.Parse(Encoding.UTF8.GetBytes(text)), from, new IPEndPoint(IPAddress.Parse("198.51.100.1"), 5060));
        Assert.True(inbound.Parse.Success, inbound.Error.ToString());
        ValueTask task = Layer.ReceiveAsync(inbound);
        Assert.True(task.IsCompletedSuccessfully);
        return Sent.Count == 1 ? Sent[0] : default;
    }

    public static string Subscribe(string via, string extra = "", string toTag = "", string uri = "sip:alice@example.com", int maxForwards = 70) =>
        $"SUBSCRIBE {uri} SIP/2.0\r\n"
        + $"Via: {via}\r\n"
        + $"Max-Forwards: {maxForwards}\r\n"
        + "From: <sip:bob@example.com>;tag=b1\r\n"
        + $"To: <sip:alice@example.com>{toTag}\r\n"
        + "Call-ID: sub-1@192.0.2.10\r\n"
        + "CSeq: 1 SUBSCRIBE\r\n"
        + "Contact: <sip:bob@192.0.2.10:40000>\r\n"
        + "Event: presence\r\n"
        + "X-Custom:  kept as is\r\n"
        + extra
        + "Content-Length: 0\r\n\r\n";

    private sealed class Recorder(List<(SipDestination, SipMessage)> sent) : ISipSender
    {
        public ValueTask<bool> SendAsync(SipDestination destination, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
        {
            var parsed = SipParser.Parse(message.ToArray());
            Assert.True(parsed.Success, "the proxy sent a message that does not parse: " + parsed.Error);
            sent.Add((destination, parsed.Message!));
            return ValueTask.FromResult(true);
        }
    }
}
