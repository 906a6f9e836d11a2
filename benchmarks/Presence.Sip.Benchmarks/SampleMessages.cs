using System.Text;

namespace Presence.Sip.Benchmarks;

/// <summary>
/// One message as a softphone puts it on the wire: the request line, the header lines in the order it
/// sends them, and the body. Content-Type and Content-Length are written last, which is where
/// <c>SipMessageBuilder</c> puts them too, so building the same parts gives back the same bytes.
/// </summary>
public sealed class SampleMessage
{
    public SampleMessage(string method, string requestUri, (string Name, string Value)[] headers, string? contentType, string body)
    {
        Method = method;
        RequestUri = requestUri;
        Headers = headers;
        ContentType = contentType;
        Body = body;
        BodyBytes = Encoding.UTF8.GetBytes(body);

        var text = new StringBuilder(1024 + body.Length);
        text.Append(method).Append(' ').Append(requestUri).Append(" SIP/2.0\r\n");
        foreach (var (name, value) in headers)
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        if (contentType is not null)
            text.Append("Content-Type: ").Append(contentType).Append("\r\n");
        text.Append("Content-Length: ").Append(BodyBytes.Length).Append("\r\n\r\n").Append(body);
        Text = text.ToString();
        Bytes = Encoding.UTF8.GetBytes(Text);
    }

    public string Method { get; }

    public string RequestUri { get; }

    /// <summary>Every header line but Content-Type and Content-Length.</summary>
    public (string Name, string Value)[] Headers { get; }

    public string? ContentType { get; }

    public string Body { get; }

    public byte[] BodyBytes { get; }

    /// <summary>The whole message, CRLF line endings.</summary>
    public string Text { get; }

    /// <summary>The whole message as UTF-8 bytes (a fresh array: callers may keep it).</summary>
    public byte[] Bytes { get; }

    public override string ToString() => Method;
}

/// <summary>
/// The messages the benchmarks parse and write: what a presence server receives most often. Defined here,
/// not shared with the test project, so the two projects stay independent.
/// </summary>
public static class SampleMessages
{
    private const string Allow = "INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE, UPDATE, PRACK";
    private const string Supported = "replaces, norefersub, extended-refer, timer, outbound, path, 100rel";
    private const string UserAgent = "ExamplePhone/5.6.2 (Linux x86_64) ExampleSipStack/2.1";

    /// <summary>A watcher subscribing to a buddy's presence (RFC 3856).</summary>
    public static SampleMessage Subscribe { get; } = new(
        "SUBSCRIBE",
        "sip:bob@example.com",
        [
            ("Via", "SIP/2.0/UDP 192.0.2.41:5060;branch=z9hG4bK-524287-1---7f3c2a9e1b4d6c80;rport"),
            ("Max-Forwards", "70"),
            ("Contact", "<sip:alice@192.0.2.41:5060;transport=udp>"),
            ("To", "<sip:bob@example.com>"),
            ("From", "\"Alice Smith\" <sip:alice@example.com>;tag=a73kszlfl"),
            ("Call-ID", "5f8a2c1e3b7d4e9ab6c40d1f2e3a4b5c"),
            ("CSeq", "1 SUBSCRIBE"),
            ("Expires", "3600"),
            ("Accept", "application/pidf+xml, application/xpidf+xml"),
            ("Allow", Allow),
            ("Supported", Supported),
            ("User-Agent", UserAgent),
            ("Event", "presence"),
            ("Allow-Events", "presence, kpml, talk, message-summary"),
        ],
        contentType: null,
        body: "");

    /// <summary>A registration refresh with an outbound (RFC 5626) contact.</summary>
    public static SampleMessage Register { get; } = new(
        "REGISTER",
        "sip:example.com",
        [
            ("Via", "SIP/2.0/UDP 192.0.2.41:5060;branch=z9hG4bK-524287-1---c2e59d4a8f1b3e70;rport"),
            ("Max-Forwards", "70"),
            ("Contact", "<sip:alice@192.0.2.41:5060;transport=udp>;+sip.instance=\"<urn:uuid:6f2a8c3e-1d4b-4a7e-9c5f-2b8e0d3a1f47>\";reg-id=1"),
            ("To", "\"Alice Smith\" <sip:alice@example.com>"),
            ("From", "\"Alice Smith\" <sip:alice@example.com>;tag=9c1f0e7b"),
            ("Call-ID", "8d4e2b6a1c3f4a5e9b7d0e2f4a6c8b1d"),
            ("CSeq", "2 REGISTER"),
            ("Expires", "3600"),
            ("Allow", Allow),
            ("Supported", Supported),
            ("User-Agent", UserAgent),
            ("Allow-Events", "presence, kpml, talk, message-summary"),
        ],
        contentType: null,
        body: "");

    /// <summary>About 1 KB of PIDF (RFC 3863) with the RFC 4479 data model and RFC 4480 RPID extensions.</summary>
    public static string PidfBody { get; } = string.Join("\r\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"",
        "    xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\"",
        "    xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\"",
        "    entity=\"sip:bob@example.com\">",
        "  <tuple id=\"t3c9a51\">",
        "    <status>",
        "      <basic>open</basic>",
        "    </status>",
        "    <dm:deviceID>urn:uuid:0b9e3d7c-5a1f-4e48-8c2d-6f1a3b5c7d9e</dm:deviceID>",
        "    <contact priority=\"0.8\">sip:bob@192.0.2.77:5060;transport=udp</contact>",
        "    <timestamp>2025-03-14T09:26:53Z</timestamp>",
        "  </tuple>",
        "  <dm:person id=\"p6d2e80\">",
        "    <rpid:activities>",
        "      <rpid:on-the-phone/>",
        "    </rpid:activities>",
        "    <rpid:mood>",
        "      <rpid:busy/>",
        "    </rpid:mood>",
        "    <dm:note xml:lang=\"en\">In a call until 10:30, then free for the rest of the morning</dm:note>",
        "    <dm:timestamp>2025-03-14T09:26:53Z</dm:timestamp>",
        "  </dm:person>",
        "  <dm:device id=\"d4f1a27\">",
        "    <rpid:user-input idle-threshold=\"600\">active</rpid:user-input>",
        "    <dm:deviceID>urn:uuid:0b9e3d7c-5a1f-4e48-8c2d-6f1a3b5c7d9e</dm:deviceID>",
        "    <dm:timestamp>2025-03-14T09:26:53Z</dm:timestamp>",
        "  </dm:device>",
        "</presence>",
        "");

    /// <summary>A presence state change sent to a watcher inside the SUBSCRIBE's dialog.</summary>
    public static SampleMessage Notify { get; } = new(
        "NOTIFY",
        "sip:alice@192.0.2.41:5060;transport=udp",
        [
            ("Via", "SIP/2.0/UDP 192.0.2.77:5060;branch=z9hG4bK-524287-1---0b9e3d7c5a1f2e48;rport"),
            ("Max-Forwards", "70"),
            ("Contact", "<sip:bob@192.0.2.77:5060;transport=udp>"),
            ("To", "\"Alice Smith\" <sip:alice@example.com>;tag=a73kszlfl"),
            ("From", "<sip:bob@example.com>;tag=4f7d2c9a"),
            ("Call-ID", "5f8a2c1e3b7d4e9ab6c40d1f2e3a4b5c"),
            ("CSeq", "2 NOTIFY"),
            ("Event", "presence"),
            ("Subscription-State", "active;expires=3599"),
            ("Allow", Allow),
            ("Supported", Supported),
            ("User-Agent", UserAgent),
        ],
        contentType: "application/pidf+xml",
        body: PidfBody);

    public static IReadOnlyList<SampleMessage> All { get; } = [Subscribe, Register, Notify];
}
