using System.Text;

namespace Presence.Sip.Tests.Message;

/// <summary>
/// Typical messages a presence server receives, every line ended by CRLF. Public so that a benchmark
/// project can parse exactly what the tests parse.
/// </summary>
public static class SampleMessages
{
    /// <summary>A PIDF document (RFC 3863, RFC 4479 data model, RFC 4480 RPID) of about 1 KB, with UTF-8 text.</summary>
    public static string PidfBody { get; } = Crlf(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"",
        "    xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\"",
        "    xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\"",
        "    entity=\"sip:bob@example.com\">",
        "  <tuple id=\"t8a3f2c\">",
        "    <status>",
        "      <basic>open</basic>",
        "    </status>",
        "    <contact priority=\"0.8\">sip:bob@198.51.100.7:5060;transport=tcp</contact>",
        "    <note xml:lang=\"en\">Available for calls</note>",
        "    <timestamp>2024-05-01T10:15:30Z</timestamp>",
        "  </tuple>",
        "  <tuple id=\"t8a3f2d\">",
        "    <status>",
        "      <basic>closed</basic>",
        "    </status>",
        "    <contact priority=\"0.2\">sip:bob@mobile.example.com</contact>",
        "    <note xml:lang=\"en\">Phone switched off</note>",
        "  </tuple>",
        "  <dm:person id=\"p1\">",
        "    <rpid:activities>",
        "      <rpid:on-the-phone/>",
        "    </rpid:activities>",
        "    <rpid:mood>",
        "      <rpid:happy/>",
        "    </rpid:mood>",
        "    <dm:note>Café meeting until 11:00</dm:note>",
        "  </dm:person>",
        "  <dm:device id=\"pc122\">",
        "    <rpid:user-input>active</rpid:user-input>",
        "    <dm:deviceID>urn:uuid:d27459b7-8213-4395-aa77-ed859a3e5b3a</dm:deviceID>",
        "  </dm:device>",
        "</presence>",
        "");

    /// <summary>A small PIDF document for PUBLISH.</summary>
    public static string SmallPidfBody { get; } = Crlf(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\">",
        "  <tuple id=\"a1\"><status><basic>open</basic></status></tuple>",
        "</presence>",
        "");

    public static string Subscribe { get; } = Crlf(
        "SUBSCRIBE sip:bob@example.com SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport",
        "Max-Forwards: 70",
        "From: \"Alice\" <sip:alice@example.com>;tag=1928301774",
        "To: <sip:bob@example.com>",
        "Call-ID: a84b4c76e66710@pc33.example.com",
        "CSeq: 314159 SUBSCRIBE",
        "Contact: <sip:alice@192.0.2.10:5060>",
        "Event: presence",
        "Accept: application/pidf+xml",
        "Expires: 3600",
        "User-Agent: Presence.Tests/1.0",
        "Content-Length: 0",
        "",
        "");

    public static string Register { get; } = Crlf(
        "REGISTER sip:example.com SIP/2.0",
        "Via: SIP/2.0/TCP 198.51.100.7:5060;branch=z9hG4bKnashds7",
        "Max-Forwards: 70",
        "To: Bob <sip:bob@example.com>",
        "From: Bob <sip:bob@example.com>;tag=456248",
        "Call-ID: 843817637684230@998sdasdh09",
        "CSeq: 1826 REGISTER",
        "Contact: <sip:bob@198.51.100.7:5060;transport=tcp>;expires=7200;q=0.8",
        "Expires: 7200",
        "Supported: path, outbound",
        "Content-Length: 0",
        "",
        "");

    public static string Notify { get; } = Crlf(
        "NOTIFY sip:alice@192.0.2.10:5060 SIP/2.0",
        "Via: SIP/2.0/TCP presence.example.com:5060;branch=z9hG4bKna998sk",
        "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK4b43c2ff8.1;received=203.0.113.5",
        "Max-Forwards: 69",
        "From: <sip:bob@example.com>;tag=a6c85cf",
        "To: \"Alice\" <sip:alice@example.com>;tag=1928301774",
        "Call-ID: a84b4c76e66710@pc33.example.com",
        "CSeq: 2 NOTIFY",
        "Contact: <sip:presence.example.com>",
        "Event: presence",
        "Subscription-State: active;expires=3599",
        "Content-Type: application/pidf+xml",
        "Content-Length: " + Encoding.UTF8.GetByteCount(PidfBody),
        "",
        PidfBody);

    public static string Publish { get; } = Crlf(
        "PUBLISH sip:alice@example.com SIP/2.0",
        "Via: SIP/2.0/UDP pua.example.com;branch=z9hG4bK652hsge",
        "Max-Forwards: 70",
        "To: <sip:alice@example.com>",
        "From: <sip:alice@example.com>;tag=1234wxyz",
        "Call-ID: 81818181@pua.example.com",
        "CSeq: 1 PUBLISH",
        "Event: presence",
        "Expires: 3600",
        "SIP-If-Match: dx200xyz",
        "Content-Type: application/pidf+xml",
        "Content-Length: " + Encoding.UTF8.GetByteCount(SmallPidfBody),
        "",
        SmallPidfBody);

    public static string Options { get; } = Crlf(
        "OPTIONS sip:presence.example.com SIP/2.0",
        "Via: SIP/2.0/UDP [2001:db8::10]:5060;branch=z9hG4bKhjhs8ass877",
        "Max-Forwards: 70",
        "To: <sip:presence.example.com>",
        "From: <sip:monitor@example.com>;tag=73",
        "Call-ID: a2e3a@monitor.example.com",
        "CSeq: 63104 OPTIONS",
        "Accept: application/sdp",
        "Content-Length: 0",
        "",
        "");

    public static string Ok200 { get; } = Crlf(
        "SIP/2.0 200 OK",
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport=5060;received=192.0.2.10",
        "From: \"Alice\" <sip:alice@example.com>;tag=1928301774",
        "To: <sip:bob@example.com>;tag=a6c85cf",
        "Call-ID: a84b4c76e66710@pc33.example.com",
        "CSeq: 314159 SUBSCRIBE",
        "Contact: <sip:presence.example.com>",
        "Expires: 3600",
        "Content-Length: 0",
        "",
        "");

    /// <summary>Every sample, requests first.</summary>
    public static IReadOnlyList<string> All { get; } = [Subscribe, Register, Notify, Publish, Options, Ok200];

    /// <summary>A sample as the bytes that arrive on the wire.</summary>
    public static byte[] Bytes(string message) => Encoding.UTF8.GetBytes(message);

    private static string Crlf(params string[] lines) => string.Join("\r\n", lines);
}
