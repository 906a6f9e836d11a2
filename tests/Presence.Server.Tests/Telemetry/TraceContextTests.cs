using System.Diagnostics;
using System.Text;
using Presence.Server.Telemetry;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Telemetry;

/// <summary>
/// Spans listen process-wide: these tests run alone, so that other tests' spans do not land here.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "tracing (alone)";
}

/// <summary>W3C trace context a client sends in a SIP header field: the server's span continues its trace.</summary>
[Collection(TracingCollection.Name)]
public sealed class TraceContextTests
{
    private const string UdpVia = "SIP/2.0/UDP 192.0.2.10:40000;branch=z9hG4bKc1;rport";
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string ClientSpan = "b7ad6b7169203331";
    private const string IncomingParent = "00-" + TraceId + "-" + ClientSpan + "-01";

    private sealed class Spans : IDisposable
    {
        private readonly ActivityListener _listener;

        public Spans()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == PresenceTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = Stopped.Add,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public List<Activity> Stopped { get; } = [];

        public void Dispose() => _listener.Dispose();
    }

    // Every field of an extension header (the message keeps them by name only).
    private static List<string> Fields(SipMessage message, string name) =>
        Enumerable.Range(0, message.HeaderCount)
            .Where(i => message.GetId(i) == HeaderId.Unknown && message.GetName(i).Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(i => message.GetValue(i).Trim())
            .ToList();

    private static string Subscribe(string extra) =>
        "SUBSCRIBE sip:alice@example.com SIP/2.0\r\n" +
        $"Via: {UdpVia}\r\n" +
        "Max-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=b1\r\nTo: <sip:alice@example.com>\r\nCall-ID: trace-1\r\n" +
        "CSeq: 1 SUBSCRIBE\r\nContact: <sip:bob@192.0.2.10:40000>\r\nEvent: presence\r\nExpires: 600\r\n" +
        extra + "Content-Length: 0\r\n\r\n";

    private static SipMessage Parse(string text)
    {
        var parsed = SipParser.Parse(Encoding.UTF8.GetBytes(text));
        Assert.True(parsed.Success);
        return parsed.Message!;
    }

    [Fact]
    public void The_silos_server_span_is_a_child_of_the_span_the_request_names()
    {
        using var spans = new Spans();
        var request = Parse(Subscribe($"traceparent: {IncomingParent}\r\n"));

        using (var server = PresenceActivities.StartServer(request))
        {
            Assert.NotNull(server);
            Assert.Equal(ActivityKind.Server, server!.Kind);
            Assert.Equal("SIP SUBSCRIBE", server.DisplayName);
            Assert.Equal(TraceId, server.TraceId.ToHexString());
            Assert.Equal(ClientSpan, server.ParentSpanId.ToHexString());
            Assert.Equal("SUBSCRIBE", server.GetTagItem("sip.method"));
        }

        // A malformed traceparent is ignored: the span starts a trace of its own.
        using var orphan = PresenceActivities.StartServer(Parse(Subscribe("traceparent: 00-nonsense\r\n")));
        Assert.Equal(default, orphan!.ParentSpanId);
    }
}
