using BenchmarkDotNet.Attributes;
using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.Sip.Benchmarks;

/// <summary>
/// Writing messages. Build_* makes a builder from strings and serialises it to a new array (what sending a
/// new request costs); WriteTo_* serialises a builder made in setup into a reused buffer (serialising
/// alone); ResponseTo_* answers the parsed SUBSCRIBE.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class WriteBenchmarks
{
    private const string ToTag = "8e2c41d7";
    private const string SourceAddress = "203.0.113.25";
    private const int SourcePort = 41873;

    // The header values keyed by id, as a server holds them before it builds a request.
    private (HeaderId Id, string Value)[] _subscribeHeaders = [];
    private (HeaderId Id, string Value)[] _registerHeaders = [];
    private (HeaderId Id, string Value)[] _notifyHeaders = [];
    private ReadOnlyMemory<byte> _pidf;

    private SipMessageBuilder _subscribeBuilder = null!;
    private SipMessageBuilder _registerBuilder = null!;
    private SipMessageBuilder _notifyBuilder = null!;
    private readonly byte[] _output = new byte[65_535];

    private SipMessage _subscribeRequest = null!;

    [GlobalSetup]
    public void Setup()
    {
        _subscribeHeaders = ById(SampleMessages.Subscribe);
        _registerHeaders = ById(SampleMessages.Register);
        _notifyHeaders = ById(SampleMessages.Notify);
        _pidf = SampleMessages.Notify.BodyBytes;

        _subscribeBuilder = Build(SampleMessages.Subscribe, _subscribeHeaders, default);
        _registerBuilder = Build(SampleMessages.Register, _registerHeaders, default);
        _notifyBuilder = Build(SampleMessages.Notify, _notifyHeaders, _pidf);

        // The builder must write exactly the messages the parse benchmarks read.
        Check(SampleMessages.Subscribe, Build_Subscribe());
        Check(SampleMessages.Register, Build_Register());
        Check(SampleMessages.Notify, Build_Notify());
        Check(SampleMessages.Subscribe, _output.AsSpan(0, WriteTo_Subscribe()).ToArray());
        Check(SampleMessages.Register, _output.AsSpan(0, WriteTo_Register()).ToArray());
        Check(SampleMessages.Notify, _output.AsSpan(0, WriteTo_Notify()).ToArray());

        _subscribeRequest = SipParser.Parse(SampleMessages.Subscribe.Bytes).Message!;
        // Parse the top Via once, as the server has done by the time it answers (ParseRead_* measures that).
        _ = _subscribeRequest.TopVia ?? throw new InvalidOperationException("SUBSCRIBE sample has no usable Via.");
        foreach (byte[] response in new[] { ResponseTo_Subscribe_Minimal(), ResponseTo_Subscribe_200() })
        {
            var parsed = SipParser.Parse(response);
            if (!parsed.Success || parsed.Message!.StatusCode != 200)
                throw new InvalidOperationException("The response to SUBSCRIBE does not parse: " + parsed.Error);
        }
    }

    [Benchmark]
    public byte[] Build_Subscribe() => Build(SampleMessages.Subscribe, _subscribeHeaders, default).ToArray();

    [Benchmark]
    public byte[] Build_Register() => Build(SampleMessages.Register, _registerHeaders, default).ToArray();

    [Benchmark]
    public byte[] Build_Notify() => Build(SampleMessages.Notify, _notifyHeaders, _pidf).ToArray();

    [Benchmark]
    public int WriteTo_Subscribe() => _subscribeBuilder.WriteTo(_output);

    [Benchmark]
    public int WriteTo_Register() => _registerBuilder.WriteTo(_output);

    [Benchmark]
    public int WriteTo_Notify() => _notifyBuilder.WriteTo(_output);

    /// <summary>The least a server sends back: Via, From, To, Call-ID and CSeq copied.</summary>
    [Benchmark]
    public byte[] ResponseTo_Subscribe_Minimal() => SipMessageBuilder.ResponseTo(_subscribeRequest, 200).ToArray();

    /// <summary>The 200 a presence server really sends: a To tag, the top Via with received and rport
    /// filled in (RFC 3581), the granted Expires and a Contact.</summary>
    [Benchmark]
    public byte[] ResponseTo_Subscribe_200()
    {
        ViaHeader via = _subscribeRequest.TopVia!.WithReceived(SourceAddress, SourcePort);
        return SipMessageBuilder.ResponseTo(_subscribeRequest, 200, toTag: ToTag, topVia: via)
            .Add(HeaderId.Expires, "3600")
            .Add(HeaderId.Contact, "<sip:presence.example.com:5060;transport=udp>")
            .ToArray();
    }

    private static SipMessageBuilder Build(SampleMessage sample, (HeaderId Id, string Value)[] headers, ReadOnlyMemory<byte> body)
    {
        var builder = SipMessageBuilder.Request(sample.Method, sample.RequestUri);
        foreach (var (id, value) in headers)
            builder.Add(id, value);
        if (sample.ContentType is not null)
            builder.WithBody(sample.ContentType, body);
        return builder;
    }

    private static (HeaderId, string)[] ById(SampleMessage sample) =>
        sample.Headers.Select(h => HeaderNames.Lookup(h.Name) is var id && id != HeaderId.Unknown
            ? (id, h.Value)
            : throw new InvalidOperationException($"Sample header {h.Name} is not a known header.")).ToArray();

    private static void Check(SampleMessage sample, byte[] written)
    {
        if (!written.AsSpan().SequenceEqual(sample.Bytes))
            throw new InvalidOperationException($"The builder writes the {sample.Method} sample differently.");
    }
}
