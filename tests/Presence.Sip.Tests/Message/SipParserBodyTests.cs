using System.Text;
using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary>Where the message starts and ends: Content-Length, datagram framing, leading CRLFs, offsets.</summary>
public sealed class SipParserBodyTests
{
    [Fact]
    public void Body_IsContentLengthBytes()
    {
        string text = SipText.Options("Content-Type: text/plain", "Content-Length: 11") + "hello world";
        SipMessage m = SipText.ParseValid(text);

        Assert.Equal("hello world", SipText.Utf8(m.Body));
        Assert.Equal(Encoding.UTF8.GetByteCount(text), m.Length);
    }

    [Fact]
    public void Body_ContentLengthCountsBytesNotCharacters()
    {
        SipMessage m = SipText.ParseValid(SipText.Options("Content-Length: 6") + "Zoë €");

        Assert.Equal("Zoë €"u8.ToArray()[..6], m.Body.ToArray());
    }

    [Fact]
    public void Body_WithoutContentLengthIsRestOfDatagram()
    {
        // RFC 3261 §18.3 / §20.14: on UDP a missing Content-Length means the body runs to the end of the datagram.
        SipMessage m = SipText.ParseValid(SipText.Options() + "rest\r\nof\r\n\r\nthe datagram");

        Assert.Equal("rest\r\nof\r\n\r\nthe datagram", SipText.Utf8(m.Body));
    }

    [Fact]
    public void Body_BytesPastContentLengthAreDiscarded()
    {
        // RFC 3261 §18.3: extra bytes after Content-Length in a datagram are discarded.
        string head = SipText.Options("Content-Length: 5");
        SipMessage m = SipText.ParseValid(head + "hello, and some trailing junk");

        Assert.Equal("hello", SipText.Utf8(m.Body));
        Assert.Equal(Encoding.UTF8.GetByteCount(head) + 5, m.Length);
        Assert.Equal(head + "hello", SipText.Utf8(m.Raw));
    }

    [Fact]
    public void Body_ZeroContentLengthIgnoresTrailingBytes()
    {
        SipMessage m = SipText.ParseValid(SipText.Options("Content-Length: 0") + "\r\n\r\ngarbage");

        Assert.Equal(0, m.Body.Length);
    }

    [Fact]
    public void Body_RepeatedEqualContentLengthIsAccepted()
    {
        SipMessage m = SipText.ParseValid(SipText.Options("Content-Length: 3", "l: 3") + "abcdef");

        Assert.Equal("abc", SipText.Utf8(m.Body));
    }

    [Fact]
    public void Body_ShorterThanContentLengthIsRejectedButAddressable()
    {
        // The message is still returned so that the server can answer 400 (RFC 3261 §18.3).
        SipMessage? m = SipText.ParseRejected(SipText.Options("Content-Length: 50") + "short", 400, "Body Shorter Than Content-Length");

        Assert.NotNull(m);
        Assert.Equal("OPTIONS", m.Method);
        Assert.Equal("3848276298220188511@example.com", m.CallId);
        Assert.Equal("short", SipText.Utf8(m.Body));
    }

    [Fact]
    public void LeadingCrlfs_BeforeStartLineAreIgnored()
    {
        // RFC 3261 §7.5.
        string message = SipText.Options();
        SipMessage m = SipText.ParseValid("\r\n\r\n\r\n" + message);

        Assert.Equal("OPTIONS", m.Method);
        Assert.Equal(message, m.ToString());
        Assert.Equal(Encoding.UTF8.GetByteCount(message), m.Length);
    }

    [Fact]
    public void Parse_AtOffsetInsideLargerBuffer()
    {
        byte[] message = SampleMessages.Bytes(SampleMessages.Notify);
        byte[] buffer = new byte[message.Length + 300];
        Array.Fill(buffer, (byte)'#');
        message.CopyTo(buffer, 100);

        SipParseResult result = SipParser.Parse(buffer, 100, message.Length);

        Assert.True(result.Success, result.Error.ToString());
        SipMessage m = result.Message!;
        Assert.Equal(message, m.Raw.ToArray());
        Assert.Equal(SampleMessages.PidfBody, SipText.Utf8(m.Body));
        Assert.Equal("a84b4c76e66710@pc33.example.com", m.CallId);
        Assert.Equal("sip:alice@192.0.2.10:5060", m.RequestUri);
        Assert.Equal(2, m.CSeq);
    }

    [Fact]
    public void Parse_AtOffsetWithoutContentLengthStopsAtCount()
    {
        byte[] message = SipText.Bytes(SipText.Options() + "body");
        byte[] buffer = new byte[message.Length + 20];
        Array.Fill(buffer, (byte)'#');
        message.CopyTo(buffer, 7);

        SipParseResult result = SipParser.Parse(buffer, 7, message.Length);

        Assert.True(result.Success, result.Error.ToString());
        Assert.Equal("body", SipText.Utf8(result.Message!.Body));
    }

    [Fact]
    public void Parse_RejectsOutOfRangeArguments()
    {
        byte[] buffer = new byte[10];

        Assert.Throws<ArgumentNullException>(() => SipParser.Parse(null!, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SipParser.Parse(buffer, -1, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => SipParser.Parse(buffer, 0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SipParser.Parse(buffer, 6, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => SipParser.Parse(buffer, 11, 0));
        Assert.Throws<ArgumentNullException>(() => SipParser.Parse(buffer, 0, 10, null!));
    }

    [Fact]
    public void Parse_MessageIsAViewOverTheBuffer()
    {
        byte[] bytes = SipText.Bytes(SipText.Options("Content-Length: 4") + "abcd");
        SipMessage m = SipParser.Parse(bytes).Message!;

        bytes[^1] = (byte)'Z';

        Assert.Equal("abcZ", SipText.Utf8(m.Body));
    }
}
