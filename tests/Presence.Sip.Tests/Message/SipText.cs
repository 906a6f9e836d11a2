using System.Text;
using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary>Builds message text for tests: explicit CRLFs, the mandatory headers, one header left out or added.</summary>
internal static class SipText
{
    public const string OptionsLine = "OPTIONS sip:bob@example.com SIP/2.0";

    /// <summary>The six headers every request carries (RFC 3261 §8.1.1), for an OPTIONS with CSeq 1.</summary>
    public static IReadOnlyList<string> RequestHeaders { get; } =
    [
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK74bf9",
        "Max-Forwards: 70",
        "From: <sip:alice@example.com>;tag=9fxced76sl",
        "To: <sip:bob@example.com>",
        "Call-ID: 3848276298220188511@example.com",
        "CSeq: 1 OPTIONS",
    ];

    /// <summary>The five headers every response carries (no Max-Forwards).</summary>
    public static IReadOnlyList<string> ResponseHeaders { get; } =
    [
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK74bf9",
        "From: <sip:alice@example.com>;tag=9fxced76sl",
        "To: <sip:bob@example.com>;tag=8321234356",
        "Call-ID: 3848276298220188511@example.com",
        "CSeq: 1 OPTIONS",
    ];

    public static string Lines(params string[] lines) => string.Join("\r\n", lines);

    /// <summary>Start line, each header followed by CRLF, the empty line, then the body.</summary>
    public static string Message(string startLine, IEnumerable<string> headers, string body = "")
    {
        var b = new StringBuilder();
        b.Append(startLine).Append("\r\n");
        foreach (string h in headers)
            b.Append(h).Append("\r\n");
        return b.Append("\r\n").Append(body).ToString();
    }

    /// <summary>A valid OPTIONS request with <paramref name="extra"/> headers after the mandatory ones.</summary>
    public static string Options(params string[] extra) => Message(OptionsLine, RequestHeaders.Concat(extra));

    /// <summary>A request with the given start line and the mandatory headers (CSeq matching the method).</summary>
    public static string Request(string method, params string[] extra) =>
        Message(
            $"{method} sip:bob@example.com SIP/2.0",
            RequestHeaders.Select(h => h.StartsWith("CSeq:", StringComparison.Ordinal) ? "CSeq: 1 " + method : h).Concat(extra));

    /// <summary>The valid OPTIONS request without the header whose line starts with <paramref name="name"/>":".</summary>
    public static string OptionsWithout(string name, params string[] extra) =>
        Message(OptionsLine, RequestHeaders.Where(h => !h.StartsWith(name + ":", StringComparison.Ordinal)).Concat(extra));

    /// <summary>The valid OPTIONS request with the header <paramref name="name"/> given <paramref name="value"/> instead.</summary>
    public static string OptionsWithReplaced(string name, string value) =>
        Message(OptionsLine, RequestHeaders.Select(h => h.StartsWith(name + ":", StringComparison.Ordinal) ? name + ": " + value : h));

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static SipParseResult Parse(string text) => SipParser.Parse(Bytes(text));

    /// <summary>Parses and insists on success, showing the parser's reason when it fails.</summary>
    public static SipMessage ParseValid(string text)
    {
        SipParseResult result = Parse(text);
        Assert.True(result.Success, "expected success, got " + result.Error);
        Assert.NotNull(result.Message);
        return result.Message;
    }

    /// <summary>Parses and insists on the given rejection; returns the message (null when the start line failed).</summary>
    public static SipMessage? ParseRejected(string text, int status, string reason)
    {
        SipParseResult result = Parse(text);
        Assert.False(result.Success);
        Assert.Equal(new SipParseError(status, reason), result.Error);
        return result.Message;
    }

    public static string Utf8(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);
}
