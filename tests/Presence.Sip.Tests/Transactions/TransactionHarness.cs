using System.Net;
using System.Text;
using Presence.Sip.Message;
using Presence.Sip.Transactions;
using Presence.Sip.Transport;

namespace Presence.Sip.Tests.Transactions;

/// <summary>A transaction layer wired to a recording sender and a fake clock: no sockets, exact timer control.</summary>
internal sealed class TransactionHarness
{
    public static readonly IPEndPoint Client = new(IPAddress.Parse("192.0.2.10"), 40000);

    public TransactionHarness(
        Func<ServerTransaction, ValueTask>? onRequest = null, bool failSends = false)
    {
        FailSends = failSends;
        Layer = new SipTransactionLayer(
            new RecordingSender(this),
            onRequest ?? (t =>
            {
                Requests.Add(t);
                return ValueTask.CompletedTask;
            }),
            inbound =>
            {
                Strays.Add(inbound);
                return ValueTask.CompletedTask;
            },
            SipTimerSettings.Default,
            Time);
    }

    public FakeTimeProvider Time { get; } = new();

    public SipTransactionLayer Layer { get; }

    public List<ServerTransaction> Requests { get; } = [];

    public List<InboundMessage> Strays { get; } = [];

    public List<(SipDestination Destination, byte[] Bytes)> Sent { get; } = [];

    public bool FailSends { get; set; }

    public List<SipMessage> SentMessages => Sent.Select(s => SipParser.Parse(s.Bytes).Message!).ToList();

    public void Receive(string text, SipTransportKind transport = SipTransportKind.Udp, IPEndPoint? from = null)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var inbound = new InboundMessage(SipParser.Parse(bytes), new SipDestination(transport, from ?? Client, transport == SipTransportKind.Udp ? 0 : 7), new IPEndPoint(IPAddress.Loopback, 5060));
        ValueTask task = Layer.ReceiveAsync(inbound);
        Assert.True(task.IsCompleted, "the layer finishes synchronously with synchronous handlers");
    }

    public static string Request(
        string method, string branch = "z9hG4bKtest1", string viaExtra = ";rport", string cseqMethod = "", string transport = "UDP",
        string sentBy = "192.0.2.10:40000") =>
        $"{method} sip:alice@example.com SIP/2.0\r\n"
        + $"Via: SIP/2.0/{transport} {sentBy};branch={branch}{viaExtra}\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:bob@example.com>;tag=from1\r\n"
        + "To: <sip:alice@example.com>\r\n"
        + "Call-ID: call-1@example.com\r\n"
        + $"CSeq: 7 {(cseqMethod.Length > 0 ? cseqMethod : method)}\r\n"
        + "Content-Length: 0\r\n\r\n";

    public static string Response(int status, string branch, string method = "NOTIFY") =>
        $"SIP/2.0 {status} Whatever\r\n"
        + $"Via: SIP/2.0/UDP 198.51.100.1:5060;branch={branch}\r\n"
        + "From: <sip:alice@example.com>;tag=a\r\n"
        + "To: <sip:bob@example.com>;tag=b\r\n"
        + "Call-ID: dialog-1@example.com\r\n"
        + $"CSeq: 3 {method}\r\n"
        + "Content-Length: 0\r\n\r\n";

    public static SipMessageBuilder Notify(string branch) =>
        SipMessageBuilder.Request("NOTIFY", "sip:bob@192.0.2.10:40000")
            .Add(Sip.Message.HeaderId.Via, $"SIP/2.0/UDP 198.51.100.1:5060;branch={branch}")
            .Add(Sip.Message.HeaderId.MaxForwards, "70")
            .Add(Sip.Message.HeaderId.From, "<sip:alice@example.com>;tag=a")
            .Add(Sip.Message.HeaderId.To, "<sip:bob@example.com>;tag=b")
            .Add(Sip.Message.HeaderId.CallId, "dialog-1@example.com")
            .Add(Sip.Message.HeaderId.CSeq, "3 NOTIFY")
            .Add(Sip.Message.HeaderId.Event, "presence")
            .Add(Sip.Message.HeaderId.SubscriptionState, "active;expires=600");

    private sealed class RecordingSender(TransactionHarness owner) : ISipSender
    {
        public ValueTask<bool> SendAsync(SipDestination destination, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
        {
            if (owner.FailSends)
                return ValueTask.FromResult(false);
            owner.Sent.Add((destination, message.ToArray()));
            return ValueTask.FromResult(true);
        }
    }
}
