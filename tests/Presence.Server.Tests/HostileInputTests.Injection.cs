using System.Text;
using System.Xml.Linq;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests;

/// <summary>
/// Header injection: CR and LF smuggled into display names, URIs, parameters and tags — raw, lone, folded,
/// percent-encoded, quoted — in requests whose parts the server echoes in its responses (RFC 3261 §8.2.6.2) or
/// keeps for the NOTIFYs of a subscription (RFC 6665 §4.2.2). Whatever the server answers, no message it sends may
/// carry an extra header line.
/// </summary>
public sealed partial class HostileInputTests
{
    /// <summary>One attempt: the parts of a request it replaces ({port} is the client's port).</summary>
    public sealed record Injection(
        string Name, string? From = null, string? To = null, string? Contact = null, string? RequestUri = null,
        string? Event = null, string? CallId = null);

    private static readonly Injection[] s_injections =
    [
        new("CRLF in the From display name", From: "\"Evil\r\nX-Injected: 1\" <sip:mallory@example.com>;tag=m1"),
        new("a lone LF in the From display name", From: "\"Evil\nX-Injected: 1\" <sip:mallory@example.com>;tag=m1"),
        new("a lone CR in the From display name", From: "\"Evil\rX-Injected: 1\" <sip:mallory@example.com>;tag=m1"),
        new("a folded From display name", From: "\"Evil\r\n X-Injected: 1\" <sip:mallory@example.com>;tag=m1"),
        new("%0D%0A in the From display name", From: "\"Evil%0D%0AX-Injected: 1\" <sip:mallory@example.com>;tag=m1"),
        new("a quoted-pair before CRLF", From: "\"Evil\\\r\nX-Injected: 1\" <sip:mallory@example.com>;tag=m1"),
        new("an escaped quote, then CRLF", From: "\"Evil\\\"\r\nX-Injected: 1\" <sip:mallory@example.com>;tag=m1"),
        new("NUL in the From display name", From: "\"Evil\0X-Injected: 1\" <sip:mallory@example.com>;tag=m1"),
        new("NEL and LINE SEPARATOR in the From display name", From: "\"Evil\u0085X-Injected: 1\u2028X-Injected: 2\" <sip:mallory@example.com>;tag=m1"),
        new("an unbalanced quote in From", From: "\"Evil <sip:mallory@example.com>;tag=m1"),
        new("%0D%0A in the From user", From: "<sip:mallory%0D%0AX-Injected%3A%201@example.com>;tag=m1"),
        new("%0a in the From user", From: "<sip:mallory%0aX-Injected%3a%201@example.com>;tag=m1"),
        new("%0D%0A in the From tag", From: "<sip:mallory@example.com>;tag=m1%0D%0AX-Injected:%201"),
        new("%0D%0A in the To user", To: "<sip:carol%0D%0AX-Injected%3A%201@example.com>"),
        new("%3E ending the To URI early", To: "<sip:carol%3E;tag=evil%0D%0AX-Injected%3A%201@example.com>"),
        new("%22, %3C and %3E in the To user", To: "<sip:carol%22%3C%3E@example.com>"),
        new("%0D%0A in a To URI parameter", To: "<sip:carol@example.com;x=%0D%0AX-Injected:%201>"),
        new("CRLF in the To display name", To: "\"Carol\r\nX-Injected: 1\" <sip:carol@example.com>"),
        new("%0D%0A in the Request-URI user", RequestUri: "sip:carol%0D%0AX-Injected%3A%201@example.com"),
        new("%0D%0A in a Contact URI parameter", Contact: "<sip:mallory@127.0.0.1:{port};x=%0D%0AX-Injected:%201>"),
        new("headers in the Contact URI", Contact: "<sip:mallory@127.0.0.1:{port}?X-Injected=1&Subject=a%0D%0AX-Injected:%202>"),
        new("CRLF in the Contact display name", Contact: "\"M\r\nX-Injected: 1\" <sip:mallory@127.0.0.1:{port}>"),
        new("%0D%0A in the Event id", Event: "presence;id=a%0D%0AX-Injected:%201"),
        new("CRLF in a quoted Event id", Event: "presence;id=\"a\r\nX-Injected: 1\""),
        new("%0D%0A in the Call-ID", CallId: "abc%0D%0AX-Injected:%201@example.com"),
    ];

    public static TheoryData<string> Injections => new(s_injections.Select(i => i.Name));

    [Theory]
    [MemberData(nameof(Injections))]
    public async Task Injected_header_lines_never_reach_responses_or_notifies(string name)
    {
        Injection injection = s_injections.Single(i => i.Name == name);
        var outcomes = new List<string>();
        foreach (string method in new[] { "OPTIONS", "SUBSCRIBE" })
        {
            await using var client = new CapturingSipClient();
            await client.SendAsync(EndPoint, Encoding.UTF8.GetBytes(Build(injection, method, client.Port)));
            // A SUBSCRIBE that is accepted is followed by a NOTIFY (RFC 6665 §4.2.1): wait for both.
            var received = await client.CollectAsync(TimeSpan.FromSeconds(method == "OPTIONS" ? 1 : 2), messages =>
                messages.FirstOrDefault(m => m.IsResponse && m.StatusCode >= 200) is { } final
                && (method == "OPTIONS" || final.StatusCode >= 300 || messages.Any(m => m.Method == SipMethods.Notify)));
            foreach (byte[] raw in received)
            {
                WireCheck.AssertNotSplit(raw, $"{name}, {method}");
                var message = SipParser.Parse(raw).Message;
                if (message?.Method == SipMethods.Notify && message.Body.Length > 0)
                    XDocument.Parse(Encoding.UTF8.GetString(message.Body.Span));
            }
            // RFC 6665 §4.2.1: an accepted subscription gets its first NOTIFY at once, whatever its names look like.
            var messages = received.Select(r => SipParser.Parse(r).Message).ToList();
            if (messages.Any(m => m is { IsResponse: true, StatusCode: >= 200 and < 300 }) && method == "SUBSCRIBE")
                Assert.Contains(messages, m => m?.Method == SipMethods.Notify);
            string outcome = string.Join(" + ", received.Select(r => SipParser.Parse(r).Message)
                .Select(m => m is null ? "unparseable" : m.IsResponse ? $"{m.StatusCode} {m.ReasonPhrase}" : m.Method));
            outcomes.Add($"{method} → {(outcome.Length == 0 ? "no answer" : outcome)}");
            await CaseAsync($"{name} ({method})", outcomes[^1]);
        }
        Report();
    }

    private string Build(Injection injection, string method, int port)
    {
        string target = injection.To ?? "<sip:carol@example.com>";
        string requestUri = injection.RequestUri ?? (method == "OPTIONS"
            ? $"sip:probe@127.0.0.1:{Server.Port}"
            : SubscribeTarget(target));
        var text = new StringBuilder()
            .Append($"{method} {requestUri} SIP/2.0\r\n")
            .Append($"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{Guid.NewGuid():N};rport\r\n")
            .Append("Max-Forwards: 70\r\n")
            .Append($"From: {injection.From ?? "\"Mallory\" <sip:mallory@example.com>;tag=m1"}\r\n")
            .Append($"To: {target}\r\n")
            .Append($"Call-ID: {injection.CallId ?? Guid.NewGuid().ToString("N") + "@127.0.0.1"}\r\n")
            .Append($"CSeq: 1 {method}\r\n")
            .Append($"Contact: {(injection.Contact ?? "<sip:mallory@127.0.0.1:{port}>").Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)}\r\n");
        if (method == "SUBSCRIBE")
            text.Append($"Event: {injection.Event ?? "presence"}\r\nExpires: 60\r\nAccept: application/pidf+xml\r\n");
        return text.Append("Content-Length: 0\r\n\r\n").ToString();
    }

    // The Request-URI of a SUBSCRIBE names the presentity the To names (RFC 3856 §6.1); a To that is not even a
    // name-addr is sent as it is, so that its fault, not ours, is what the server answers.
    private static string SubscribeTarget(string to)
    {
        int open = to.IndexOf('<', StringComparison.Ordinal);
        int close = to.LastIndexOf('>');
        return open >= 0 && close > open ? to[(open + 1)..close] : to;
    }
}
