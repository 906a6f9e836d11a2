using System.Diagnostics;
using System.Text;
using Presence.Server.Telemetry;
using Presence.Server.Tests.Edge;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Telemetry;

/// <summary>
/// Spans listen process-wide: these tests run alone, so that their listener does not make other tests' proxies add
/// traceparent fields, nor other tests' spans land here.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "tracing (alone)";
}

/// <summary>W3C trace context from an edge to a silo, in a SIP header field, and nothing of it while nothing listens.</summary>
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

    private static SipMessage Parse(string text)
    {
        var parsed = SipParser.Parse(Encoding.UTF8.GetBytes(text));
        Assert.True(parsed.Success);
        return parsed.Message!;
    }

    [Fact]
    public void The_edge_replaces_the_senders_traceparent_with_its_own_forward_span()
    {
        using var spans = new Spans();
        var h = new ProxyHarness();
        var (_, sent) = h.Receive(ProxyHarness.Subscribe(UdpVia, $"traceparent: {IncomingParent}\r\ntracestate: vendor=1\r\n"), ProxyHarness.UdpClient);

        string header = Assert.Single(Fields(sent, "traceparent"));
        Assert.True(ActivityContext.TryParse(header, null, out var context));
        Assert.Equal(TraceId, context.TraceId.ToHexString());
        Assert.NotEqual(ClientSpan, context.SpanId.ToHexString());
        Assert.Equal("vendor=1", Assert.Single(Fields(sent, "tracestate")));

        var forward = Assert.Single(spans.Stopped);
        Assert.Equal("SIP SUBSCRIBE forward", forward.DisplayName);
        Assert.Equal(ActivityKind.Client, forward.Kind);
        Assert.Equal(ClientSpan, forward.ParentSpanId.ToHexString());
        Assert.Equal(context.SpanId, forward.SpanId);
    }

    [Fact]
    public void The_edge_starts_a_trace_when_the_request_names_none()
    {
        using var spans = new Spans();
        var (_, sent) = new ProxyHarness().Receive(ProxyHarness.Subscribe(UdpVia), ProxyHarness.UdpClient);

        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", Assert.Single(Fields(sent, "traceparent")));
        Assert.Equal(default, Assert.Single(spans.Stopped).ParentSpanId);
    }

    [Fact]
    public void Without_a_listener_the_edge_adds_nothing_and_passes_a_senders_traceparent_on_untouched()
    {
        var h = new ProxyHarness();
        var (_, plain) = h.Receive(ProxyHarness.Subscribe(UdpVia), ProxyHarness.UdpClient);
        Assert.Empty(Fields(plain, "traceparent"));

        var (_, carried) = h.Receive(ProxyHarness.Subscribe(UdpVia, $"traceparent: {IncomingParent}\r\n"), ProxyHarness.UdpClient);
        Assert.Equal(IncomingParent, Assert.Single(Fields(carried, "traceparent")));
        Assert.Null(PresenceActivities.StartServer(carried));
    }

    [Fact]
    public void The_silos_server_span_is_a_child_of_the_span_the_request_names()
    {
        using var spans = new Spans();
        var request = Parse(ProxyHarness.Subscribe(UdpVia, $"traceparent: {IncomingParent}\r\n"));

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
        using var orphan = PresenceActivities.StartServer(Parse(ProxyHarness.Subscribe(UdpVia, "traceparent: 00-nonsense\r\n")));
        Assert.Equal(default, orphan!.ParentSpanId);
    }
}
