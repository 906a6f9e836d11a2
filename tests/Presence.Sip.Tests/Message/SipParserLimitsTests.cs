using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary><see cref="SipParserLimits"/>: header count, line length and message size are enforced before they cost memory.</summary>
public sealed class SipParserLimitsTests
{
    private static SipParseResult Parse(string text, SipParserLimits limits)
    {
        byte[] bytes = SipText.Bytes(text);
        return SipParser.Parse(bytes, 0, bytes.Length, limits);
    }

    [Fact]
    public void Defaults()
    {
        SipParserLimits limits = SipParserLimits.Default;

        Assert.Equal(65_535, limits.MaxMessageSize);
        Assert.Equal(128, limits.MaxHeaderCount);
        Assert.Equal(8_192, limits.MaxLineLength);
    }

    [Fact]
    public void TooManyHeaderFields_IsRejectedButAddressable()
    {
        string[] extra = Enumerable.Range(0, 123).Select(i => $"X-H{i}: {i}").ToArray();

        SipMessage? m = SipText.ParseRejected(SipText.Options(extra), 400, "Too Many Header Fields");

        Assert.NotNull(m);
        Assert.Equal(128, m.HeaderCount);
        Assert.Equal("OPTIONS", m.Method);
    }

    [Fact]
    public void ExactlyMaxHeaderFields_IsAccepted()
    {
        string[] extra = Enumerable.Range(0, 122).Select(i => $"X-H{i}: {i}").ToArray();

        SipMessage m = SipText.ParseValid(SipText.Options(extra));

        Assert.Equal(128, m.HeaderCount);
        Assert.Equal("121", m.GetFirst("X-H121"));
    }

    [Fact]
    public void SmallerHeaderLimit_IsEnforcedAfterALargerParseOnTheSameThread()
    {
        // Regression: the parser reuses a per-thread scratch array, and used to take that array's length
        // (128 after a default parse) as the limit instead of limits.MaxHeaderCount.
        Assert.True(SipText.Parse(SipText.Options()).Success);
        var limits = new SipParserLimits { MaxHeaderCount = 6 };

        Assert.True(Parse(SipText.Options(), limits).Success);
        SipParseResult result = Parse(SipText.Options("X-Seventh: 7"), limits);

        Assert.Equal(new SipParseError(400, "Too Many Header Fields"), result.Error);
        Assert.Equal(6, result.Message!.HeaderCount);
    }

    [Fact]
    public void HeaderLineTooLong()
    {
        var limits = new SipParserLimits { MaxLineLength = 100 };

        Assert.True(Parse(SipText.Options("X-Long: " + new string('a', 92)), limits).Success);
        SipParseResult result = Parse(SipText.Options("X-Long: " + new string('a', 93)), limits);

        Assert.Equal(new SipParseError(400, "Header Line Too Long"), result.Error);
        Assert.NotNull(result.Message);
    }

    [Fact]
    public void HeaderLineTooLong_WithDefaultLimit()
    {
        SipMessage? m = SipText.ParseRejected(SipText.Options("X-Long: " + new string('a', 8_185)), 400, "Header Line Too Long");

        Assert.NotNull(m);
    }

    [Fact]
    public void StartLineTooLong()
    {
        var limits = new SipParserLimits { MaxLineLength = 60 };
        string uri = "sip:" + new string('b', 40) + "@example.com";

        SipParseResult result = Parse(SipText.Message($"OPTIONS {uri} SIP/2.0", SipText.RequestHeaders), limits);

        Assert.Equal(new SipParseError(400, "Start Line Too Long"), result.Error);
        Assert.Null(result.Message);
    }

    [Fact]
    public void MessageTooLarge_Is513()
    {
        string text = SipText.Options("Content-Length: 70000") + new string('x', 70_000);

        Assert.Null(SipText.ParseRejected(text, 513, "Message Too Large"));
    }

    [Fact]
    public void MessageOfExactlyMaxSize_IsAccepted()
    {
        string head = SipText.Options("Content-Length: 00000");
        int bodyLength = 1_000 - head.Length;
        string text = SipText.Options($"Content-Length: {bodyLength:D5}") + new string('x', bodyLength);
        var limits = new SipParserLimits { MaxMessageSize = 1_000 };

        Assert.Equal(1_000, text.Length);
        Assert.True(Parse(text, limits).Success);
        Assert.Equal(new SipParseError(513, "Message Too Large"), Parse(text + "x", limits).Error);
    }
}
