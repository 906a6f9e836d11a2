using Presence.Sip.Headers;

namespace Presence.Sip.Tests.Headers;

/// <summary>Warning (RFC 3261 §20.43), Reason (RFC 3326) and Retry-After (RFC 3261 §20.33).</summary>
public sealed class WarningReasonRetryAfterTests
{
    [Theory]
    [InlineData("307 isi.edu \"Session parameter 'foo' not understood\"", 307, "isi.edu", "Session parameter 'foo' not understood")]
    [InlineData("301 isi.edu \"Incompatible network address type 'E.164'\"", 301, "isi.edu", "Incompatible network address type 'E.164'")]
    [InlineData("399 [2001:db8::1]:5060 \"say \\\"hi\\\"\"", 399, "[2001:db8::1]:5060", "say \"hi\"")]
    [InlineData("  370   presence.example.com   \"\"", 370, "presence.example.com", "")]
    public void Warning_Parses(string text, int code, string agent, string warnText)
    {
        Assert.True(WarningHeader.TryParse(text, out WarningHeader w, out string error), error);

        Assert.Equal(new WarningHeader(code, agent, warnText), w);
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData("30 isi.edu \"x\"", "malformed warn-code")]
    [InlineData("3070 isi.edu \"x\"", "malformed warn-code")]
    [InlineData("abc isi.edu \"x\"", "malformed warn-code")]
    [InlineData("", "malformed warn-code")]
    [InlineData("307 isi.edu", "malformed Warning")]
    [InlineData("307 isi.edu text", "malformed Warning")]
    [InlineData("307 isi.edu \"unterminated", "malformed Warning")]
    [InlineData("307  ", "malformed Warning")]
    public void Warning_Rejected(string text, string expectedError)
    {
        Assert.False(WarningHeader.TryParse(text, out WarningHeader w, out string error));
        Assert.Equal(default(WarningHeader), w);
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void Warning_ToStringQuotesAndPadsTheCode()
    {
        Assert.Equal("307 isi.edu \"a \\\"b\\\" \\\\ c\"", new WarningHeader(307, "isi.edu", "a \"b\" \\ c").ToString());
        Assert.Equal("099 host \"x\"", new WarningHeader(99, "host", "x").ToString());
    }

    [Fact]
    public void Reason_RfcExample()
    {
        // RFC 3326 §2.
        Assert.True(ReasonHeader.TryParse("SIP ;cause=200 ;text=\"Call completed elsewhere\"", out ReasonHeader? r, out string error), error);

        Assert.Equal("SIP", r!.Protocol);
        Assert.Equal(200, r.Cause);
        Assert.Equal("Call completed elsewhere", r.Text);
        Assert.Equal("SIP;cause=200;text=\"Call completed elsewhere\"", r.ToString());
    }

    [Fact]
    public void Reason_Q850WithoutText()
    {
        Assert.True(ReasonHeader.TryParse("Q.850;cause=16", out ReasonHeader? r, out _));

        Assert.Equal("Q.850", r!.Protocol);
        Assert.Equal(16, r.Cause);
        Assert.Null(r.Text);
    }

    [Fact]
    public void Reason_NonNumericCauseIsNull()
    {
        Assert.True(ReasonHeader.TryParse("SIP;cause=abc", out ReasonHeader? r, out _));

        Assert.Null(r!.Cause);
    }

    [Theory]
    [InlineData(";cause=1", "missing Reason protocol")]
    [InlineData("", "missing Reason protocol")]
    [InlineData("SIP;cause=1;cause=2", "duplicate parameter 'cause'")]
    [InlineData("SIP;text=\"open", "unterminated quoted value of parameter 'text'")]
    public void Reason_Rejected(string text, string expectedError)
    {
        Assert.False(ReasonHeader.TryParse(text, out ReasonHeader? r, out string error));
        Assert.Null(r);
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void Reason_ConstructorQuotesText()
    {
        Assert.Equal("SIP;cause=480;text=\"Away \\\"now\\\"\"", new ReasonHeader("SIP", 480, "Away \"now\"").ToString());
        Assert.Equal("SIP", new ReasonHeader("SIP", null, null).ToString());
    }

    [Theory]
    [InlineData("18000;duration=3600", 18000, null, 3600)]
    [InlineData("120 (I'm in a meeting)", 120, "I'm in a meeting", null)]
    [InlineData("120 (I'm in a meeting) ;duration=60", 120, "I'm in a meeting", 60)]
    [InlineData("0", 0, null, null)]
    [InlineData("4294967295", int.MaxValue, null, null)]
    [InlineData("5;duration=abc", 5, null, null)]
    public void RetryAfter_Parses(string text, int seconds, string? comment, int? duration)
    {
        Assert.True(RetryAfterHeader.TryParse(text, out RetryAfterHeader? h, out string error), error);

        Assert.Equal(seconds, h!.Seconds);
        Assert.Equal(comment, h.Comment);
        Assert.Equal(duration, h.Duration);
    }

    [Theory]
    [InlineData("abc", "malformed Retry-After")]
    [InlineData("", "malformed Retry-After")]
    [InlineData("(soon)", "malformed Retry-After")]
    [InlineData("-5", "malformed Retry-After")]
    [InlineData("99999999999", "malformed Retry-After")]
    [InlineData("4294967296", "malformed Retry-After")]
    [InlineData("120 (unterminated", "unterminated Retry-After comment")]
    [InlineData("120;duration=1;duration=2", "duplicate parameter 'duration'")]
    public void RetryAfter_Rejected(string text, string expectedError)
    {
        Assert.False(RetryAfterHeader.TryParse(text, out RetryAfterHeader? h, out string error));
        Assert.Null(h);
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void RetryAfter_ToString()
    {
        Assert.Equal("120 (I'm in a meeting);duration=3600", new RetryAfterHeader(120, "I'm in a meeting", 3600).ToString());
        Assert.Equal("30", new RetryAfterHeader(30).ToString());
    }
}
