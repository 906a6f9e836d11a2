using BenchmarkDotNet.Attributes;
using Presence.Sip.Message;

namespace Presence.Sip.Benchmarks;

/// <summary>
/// Parsing received requests: the parser alone, and the parser plus what a server reads on the hot path
/// (Call-ID, CSeq, the top Via's branch, Event and Expires). Each buffer is made once; the parsed message
/// keeps a reference to it, which is what the transport does with a datagram too.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class ParseBenchmarks
{
    private byte[] _subscribe = [];
    private byte[] _register = [];
    private byte[] _notify = [];

    [GlobalSetup]
    public void Setup()
    {
        _subscribe = SampleMessages.Subscribe.Bytes;
        _register = SampleMessages.Register.Bytes;
        _notify = SampleMessages.Notify.Bytes;

        // A benchmark of a parse that fails measures the error path: refuse to run one.
        foreach (var (sample, bytes) in new[] { (SampleMessages.Subscribe, _subscribe), (SampleMessages.Register, _register), (SampleMessages.Notify, _notify) })
        {
            SipParseResult result = SipParser.Parse(bytes);
            if (!result.Success)
                throw new InvalidOperationException($"{sample.Method} sample does not parse: {result.Error}");
            if (result.Message!.Body.Length != sample.BodyBytes.Length || result.Message.HeaderCount != sample.Headers.Length + (sample.ContentType is null ? 1 : 2))
                throw new InvalidOperationException($"{sample.Method} sample parses to the wrong shape.");
            if (ReadHotPath(result.Message) == 0 || result.Message.TopVia?.Branch is null)
                throw new InvalidOperationException($"{sample.Method} sample: hot-path headers missing.");
        }
    }

    [Benchmark]
    public SipMessage? Parse_Subscribe() => SipParser.Parse(_subscribe).Message;

    [Benchmark]
    public SipMessage? Parse_Register() => SipParser.Parse(_register).Message;

    [Benchmark]
    public SipMessage? Parse_Notify() => SipParser.Parse(_notify).Message;

    [Benchmark]
    public int ParseRead_Subscribe() => ReadHotPath(SipParser.Parse(_subscribe).Message!);

    [Benchmark]
    public int ParseRead_Register() => ReadHotPath(SipParser.Parse(_register).Message!);

    [Benchmark]
    public int ParseRead_Notify() => ReadHotPath(SipParser.Parse(_notify).Message!);

    /// <summary>What the server reads from every request before it routes it: a number made of all of it,
    /// so that nothing can be dropped as unused.</summary>
    internal static int ReadHotPath(SipMessage message)
    {
        string callId = message.CallId;
        long cseq = message.CSeq;
        string cseqMethod = message.CSeqMethod;
        string? branch = message.TopVia?.Branch;
        string? eventValue = message.GetFirst(HeaderId.Event);
        string? expires = message.GetFirst(HeaderId.Expires);
        return callId.Length + (int)cseq + cseqMethod.Length + (branch?.Length ?? 0)
            + (eventValue?.Length ?? 0) + (expires?.Length ?? 0);
    }
}
