using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary><see cref="SipParser.FrameStreamMessage"/>: delimiting messages on TCP/TLS by Content-Length (RFC 3261 §18.3).</summary>
public sealed class FrameStreamMessageTests
{
    private static int Frame(string text, out SipParseError error) =>
        SipParser.FrameStreamMessage(SipText.Bytes(text), SipParserLimits.Default, out error);

    private static int Frame(byte[] bytes, out SipParseError error) =>
        SipParser.FrameStreamMessage(bytes, SipParserLimits.Default, out error);

    [Fact]
    public void HeaderNotComplete_NeedsMoreBytes()
    {
        string partial = SipText.OptionsLine + "\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\nContent-Length: 0\r\n";

        Assert.Equal(0, Frame(partial, out SipParseError error));
        Assert.Equal(SipParseError.None, error);
    }

    [Fact]
    public void EmptyInput_NeedsMoreBytes()
    {
        Assert.Equal(0, SipParser.FrameStreamMessage([], SipParserLimits.Default, out SipParseError error));
        Assert.False(error.IsError);
    }

    [Fact]
    public void BodyNotComplete_NeedsMoreBytes()
    {
        string text = SipText.Options("Content-Length: 10") + "12345";

        Assert.Equal(0, Frame(text, out SipParseError error));
        Assert.False(error.IsError);
    }

    [Fact]
    public void ExactLengthWithBody()
    {
        byte[] notify = SampleMessages.Bytes(SampleMessages.Notify);

        Assert.Equal(notify.Length, Frame(notify, out SipParseError error));
        Assert.False(error.IsError);
    }

    [Fact]
    public void EverySample_EveryPrefixNeedsMoreAndTheWholeIsExact()
    {
        foreach (string sample in SampleMessages.All)
        {
            byte[] bytes = SampleMessages.Bytes(sample);
            for (int n = 0; n < bytes.Length; n++)
            {
                Assert.Equal(0, SipParser.FrameStreamMessage(bytes.AsSpan(0, n), SipParserLimits.Default, out SipParseError error));
                Assert.False(error.IsError);
            }
            Assert.Equal(bytes.Length, Frame(bytes, out _));
        }
    }

    [Fact]
    public void TwoMessagesBackToBack_AreFramedOneAfterTheOther()
    {
        byte[] first = SampleMessages.Bytes(SampleMessages.Notify);
        byte[] second = SampleMessages.Bytes(SampleMessages.Publish);
        byte[] stream = [.. first, .. second, .. "SUBSCRIBE sip:x"u8];

        int n1 = Frame(stream, out _);
        int n2 = SipParser.FrameStreamMessage(stream.AsSpan(n1), SipParserLimits.Default, out _);
        int n3 = SipParser.FrameStreamMessage(stream.AsSpan(n1 + n2), SipParserLimits.Default, out SipParseError error);

        Assert.Equal(first.Length, n1);
        Assert.Equal(second.Length, n2);
        Assert.Equal(0, n3);
        Assert.False(error.IsError);
        SipParseResult parsed = SipParser.Parse(stream, n1, n2);
        Assert.True(parsed.Success, parsed.Error.ToString());
        Assert.Equal("PUBLISH", parsed.Message!.Method);
        Assert.Equal(SampleMessages.SmallPidfBody, SipText.Utf8(parsed.Message.Body));
    }

    [Fact]
    public void CompactContentLength()
    {
        string text = SipText.Options("l: 4") + "abcdEXTRA";

        Assert.Equal(text.Length - 5, Frame(text, out SipParseError error));
        Assert.False(error.IsError);
    }

    [Fact]
    public void ContentLengthNameInAnyCaseWithSpaceBeforeColon()
    {
        string text = SipText.Options("content-LENGTH  :  3 ") + "abc";

        Assert.Equal(text.Length, Frame(text, out _));
    }

    [Fact]
    public void MissingContentLength_IsFatalOnStreams()
    {
        Assert.Equal(-1, Frame(SipText.Options(), out SipParseError error));
        Assert.Equal(new SipParseError(400, "Content-Length Required On Stream Transport"), error);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("")]
    [InlineData("1234567890")]
    public void MalformedContentLength_IsFatal(string value)
    {
        Assert.Equal(-1, Frame(SipText.Options("Content-Length: " + value), out SipParseError error));
        Assert.Equal(new SipParseError(400, "Malformed Content-Length"), error);
    }

    [Theory]
    [InlineData("0", "5")]
    [InlineData("5", "0")]
    public void ConflictingContentLengths_AreFatal(string first, string second)
    {
        // Either one believed would let the other's body bytes be read as a message of their own.
        string text = SipText.Options("Content-Length: " + first, "Content-Length: " + second) + "hello";

        Assert.Equal(-1, Frame(text, out SipParseError error));
        Assert.Equal(new SipParseError(400, "Conflicting Content-Length Headers"), error);
    }

    [Fact]
    public void RepeatedEqualContentLengths_Frame()
    {
        string text = SipText.Options("Content-Length: 5", "l: 5") + "hello";

        Assert.Equal(text.Length, Frame(text, out _));
    }

    [Fact]
    public void DeclaredSizeOverLimit_Is513BeforeTheBodyArrives()
    {
        Assert.Equal(-1, Frame(SipText.Options("Content-Length: 70000"), out SipParseError error));
        Assert.Equal(new SipParseError(513, "Message Too Large"), error);
    }

    [Fact]
    public void HeaderSectionOverLimitWithoutEnd_Is513()
    {
        var limits = new SipParserLimits { MaxMessageSize = 200 };
        byte[] noEnd = SipText.Bytes(SipText.OptionsLine + "\r\n" + "X-Filler: " + new string('f', 200) + "\r\n");

        Assert.Equal(-1, SipParser.FrameStreamMessage(noEnd, limits, out SipParseError error));
        Assert.Equal(new SipParseError(513, "Message Too Large"), error);
        Assert.Equal(0, SipParser.FrameStreamMessage(noEnd.AsSpan(0, 200), limits, out error));
        Assert.False(error.IsError);
    }

    [Fact]
    public void LeadingCrlfKeepAlives_AreFramedWithTheNextMessage()
    {
        // RFC 3261 §7.5: CRLFs before the start line are ignored on streams as well; RFC 5626 §4.4.1 clients
        // send "\r\n\r\n" as a keep-alive. Regression: the double CRLF was taken for the end of an empty
        // header section and the connection was failed with "Content-Length Required".
        byte[] message = SampleMessages.Bytes(SampleMessages.Subscribe);
        byte[] stream = [.. "\r\n\r\n\r\n"u8, .. message];

        Assert.Equal(0, Frame("\r\n\r\n", out SipParseError error));
        Assert.False(error.IsError);
        Assert.Equal(0, Frame("\r\n\r\nSUBSCRIBE sip:bob@example.com SIP/2.0\r\n", out error));
        Assert.False(error.IsError);
        Assert.Equal(stream.Length, Frame(stream, out error));
        Assert.False(error.IsError);
        SipParseResult parsed = SipParser.Parse(stream);
        Assert.True(parsed.Success, parsed.Error.ToString());
        Assert.Equal(message, parsed.Message!.Raw.ToArray());
    }
}
