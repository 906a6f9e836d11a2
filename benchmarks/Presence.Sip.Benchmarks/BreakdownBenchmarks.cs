using System.Buffers;
using BenchmarkDotNet.Attributes;
using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.Sip.Benchmarks;

/// <summary>
/// Where the time of parsing and reading the SUBSCRIBE goes, one step at a time, through public API only.
/// Scan_* repeat the parser's per-line work (the same span searches it makes); Read_* and Via_* are the
/// steps behind the accessors, run on a message parsed once in setup. The accessors cache CallId and TopVia,
/// so those are measured through the calls they make on first use.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class BreakdownBenchmarks
{
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~"u8);

    private static readonly SearchValues<byte> ControlChars = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    private byte[] _bytes = [];
    private (int Start, int Length)[] _names = [];
    private SipMessage _message = null!;
    private string _via = string.Empty;
    private ViaHeader _parsedVia = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bytes = SampleMessages.Subscribe.Bytes;
        _message = SipParser.Parse(_bytes).Message!;
        _via = _message.GetFirst(HeaderId.Via)!;
        _parsedVia = ViaHeader.Parse(_via);

        var names = new List<(int, int)>();
        ReadOnlySpan<byte> data = _bytes;
        int pos = data.IndexOf("\r\n"u8) + 2;
        while (true)
        {
            int length = data[pos..].IndexOf("\r\n"u8);
            if (length <= 0)
                break;
            names.Add((pos, data.Slice(pos, length).IndexOf((byte)':')));
            pos += length + 2;
        }
        _names = [.. names];
        if (Scan_Lines() != _names.Length + 1 || Scan_LinesChecked() != _names.Length + 1 || Lookup_HeaderNames() == 0)
            throw new InvalidOperationException("The breakdown does not see the SUBSCRIBE's lines.");
    }

    /// <summary>The whole parse, for comparison with the steps.</summary>
    [Benchmark(Baseline = true)]
    public SipMessage? Parse() => SipParser.Parse(_bytes).Message;

    /// <summary>Finding every CRLF of the header block, one IndexOf per line.</summary>
    [Benchmark]
    public int Scan_Lines()
    {
        ReadOnlySpan<byte> data = _bytes;
        int pos = 0, lines = 0;
        while (true)
        {
            int length = data[pos..].IndexOf("\r\n"u8);
            if (length <= 0)
                return lines;
            lines++;
            pos += length + 2;
        }
    }

    /// <summary>The same, plus the checks the parser makes on each line: control characters over the whole
    /// line, the colon, token characters in the name.</summary>
    [Benchmark]
    public int Scan_LinesChecked()
    {
        ReadOnlySpan<byte> data = _bytes;
        int pos = 0, lines = 0;
        while (true)
        {
            int length = data[pos..].IndexOf("\r\n"u8);
            if (length <= 0)
                return lines;
            ReadOnlySpan<byte> line = data.Slice(pos, length);
            if (line.IndexOfAny(ControlChars) >= 0)
                return -1;
            if (lines > 0)
            {
                int colon = line.IndexOf((byte)':');
                if (colon <= 0 || line[..colon].IndexOfAnyExcept(TokenChars) >= 0)
                    return -1;
            }
            lines++;
            pos += length + 2;
        }
    }

    /// <summary>Recognising the 15 header names.</summary>
    [Benchmark]
    public int Lookup_HeaderNames()
    {
        int sum = 0;
        foreach (var (start, length) in _names)
            sum += (int)HeaderNames.Lookup(_bytes.AsSpan(start, length));
        return sum;
    }

    /// <summary>What CallId does on first use.</summary>
    [Benchmark]
    public string? Read_CallId() => _message.GetFirst(HeaderId.CallId);

    [Benchmark]
    public string? Read_Event() => _message.GetFirst(HeaderId.Event);

    [Benchmark]
    public string? Read_Expires() => _message.GetFirst(HeaderId.Expires);

    /// <summary>The first step of TopVia: the first Via value, through GetValues (an iterator and a list).</summary>
    [Benchmark]
    public string? Via_FirstOfValues() => _message.GetValues(HeaderId.Via).FirstOrDefault();

    /// <summary>The first Via field without splitting, for comparison.</summary>
    [Benchmark]
    public string? Via_GetFirst() => _message.GetFirst(HeaderId.Via);

    /// <summary>The second step of TopVia: parsing the Via text into a ViaHeader.</summary>
    [Benchmark]
    public ViaHeader? Via_TryParse() => ViaHeader.TryParse(_via, out var via, out _) ? via : null;

    /// <summary>Reading the branch of a parsed Via.</summary>
    [Benchmark]
    public string? Via_Branch() => _parsedVia.Branch;
}
