using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary>
/// Messages whose start line is wrong: each is refused with its own status and reason. A request that starts with a
/// method token is still returned, headers read, so that the answer can be addressed (RFC 3261 §8.2, RFC 4475 §3.1.2);
/// a broken status line, or a line without a method, returns no message.
/// </summary>
public sealed class SipParserStartLineRejectionTests
{
    private static void AssertRejected(string startLine, int status, string reason)
    {
        SipMessage? m = SipText.ParseRejected(SipText.Message(startLine, SipText.RequestHeaders), status, reason);
        Assert.Null(m);
    }

    // Refused, but with its method and headers read: the transaction layer answers it along its top Via.
    private static void AssertAnswerable(string startLine, int status, string reason)
    {
        SipMessage? m = SipText.ParseRejected(SipText.Message(startLine, SipText.RequestHeaders), status, reason);
        Assert.NotNull(m);
        Assert.True(m.IsRequest);
        Assert.Equal("OPTIONS", m.Method);
        Assert.NotNull(m.TopViaForAnswer);
        Assert.False(string.IsNullOrEmpty(m.CallId));
    }

    [Fact]
    public void EmptyBuffer_IsEmptyMessage()
    {
        SipParseResult result = SipParser.Parse([]);

        Assert.False(result.Success);
        Assert.Null(result.Message);
        Assert.Equal(new SipParseError(400, "Empty Message"), result.Error);
        Assert.Equal("400 Empty Message", result.Error.ToString());
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r\n\r\n\r\n")]
    public void OnlyCrlfs_IsEmptyMessage(string text)
    {
        Assert.Null(SipText.ParseRejected(text, 400, "Empty Message"));
    }

    [Theory]
    [InlineData("OPTIONS sip:bob@example.com SIP/2.0")]
    [InlineData("OPTIONS sip:bob@example.com SIP/2.0\n")]
    [InlineData("OPTIONS sip:bob@example.com SIP/2.0\r")]
    [InlineData("\r")]
    public void StartLineWithoutCrlf_IsRejected(string text)
    {
        Assert.Null(SipText.ParseRejected(text, 400, "Start Line Not Terminated By CRLF"));
    }

    [Theory]
    [InlineData(" OPTIONS sip:bob@example.com SIP/2.0")]
    [InlineData("OPTIONS")]
    public void RequestLineWithoutAMethodToken(string startLine)
    {
        AssertRejected(startLine, 400, "Malformed Request Line");
    }

    [Theory]
    [InlineData("OPTIONS sip:bob@example.com")]
    [InlineData("OPTIONS sip:bob@example.com\tSIP/2.0")]
    public void MalformedRequestLine(string startLine)
    {
        AssertAnswerable(startLine, 400, "Malformed Request Line");
    }

    [Theory]
    [InlineData("OPTIONS  sip:bob@example.com SIP/2.0")]
    [InlineData("OPTIONS sip:bob@example.com  SIP/2.0")]
    [InlineData("OPTIONS sip:bob@example.com SIP/2.0 ")]
    [InlineData("OPTIONS sip:bob@example.com SIP/2.0  ")]
    public void ExtraSpacesInRequestLine(string startLine)
    {
        // RFC 4475 §3.1.2.9 (lwsstart) and §3.1.2.10 (trws).
        AssertAnswerable(startLine, 400, "Extra Spaces In Request Line");
    }

    [Theory]
    [InlineData("OPTIONS sip:bob@example.com; lr SIP/2.0")]
    [InlineData("OPTIONS sip:bob @example.com SIP/2.0")]
    public void WhiteSpaceInRequestUri(string startLine)
    {
        // RFC 4475 §3.1.2.8 (lwsruri).
        AssertAnswerable(startLine, 400, "White Space In Request-URI");
    }
    [Theory]
    [InlineData("OPTIONS\tsip:bob@example.com SIP/2.0")]
    [InlineData("OPT@ONS sip:bob@example.com SIP/2.0")]
    [InlineData("OPTIONS/1 sip:bob@example.com SIP/2.0")]
    [InlineData("ÖPTIONS sip:bob@example.com SIP/2.0")]
    public void MalformedMethod(string startLine)
    {
        AssertRejected(startLine, 400, "Malformed Method");
    }

    [Theory]
    [InlineData("OPTIONS bob@example.com SIP/2.0")]
    [InlineData("OPTIONS :bob@example.com SIP/2.0")]
    [InlineData("OPTIONS <sip:bob@example.com> SIP/2.0")]
    [InlineData("OPTIONS 1sip:bob@example.com SIP/2.0")]
    [InlineData("OPTIONS sip: SIP/2.0")]
    public void RequestUriWithoutScheme(string startLine)
    {
        AssertAnswerable(startLine, 400, "Malformed Request-URI");
    }

    [Theory]
    [InlineData("OPTIONS sip:bob@example.com SIP/3.0")]
    [InlineData("OPTIONS sip:bob@example.com SIP/1.0")]
    [InlineData("OPTIONS sip:bob@example.com sip/2.1")]
    [InlineData("OPTIONS sip:bob@example.com SIP/7.0")]
    public void OtherSipVersion_Is505(string startLine)
    {
        AssertAnswerable(startLine, 505, "Version Not Supported");
    }

    [Theory]
    [InlineData("OPTIONS sip:bob@example.com HTTP/1.1")]
    [InlineData("OPTIONS sip:bob@example.com SIP/")]
    [InlineData("OPTIONS sip:bob@example.com SIP/2.0 extra")]
    [InlineData("OPTIONS sip:bob@example.com 2.0")]
    [InlineData("OPTIONS sip:bob@example.com SIP/2.x")]
    public void GarbageVersion_Is400(string startLine)
    {
        AssertAnswerable(startLine, 400, "Malformed SIP Version");
    }

    [Theory]
    [InlineData("SIP/2.0")]
    [InlineData("SIP/2.0 20")]
    [InlineData("SIP/3.0 200 OK")]
    [InlineData("SIP/2.0 200OK")]
    [InlineData("SIP/2.0 2000 OK")]
    public void MalformedStatusLine(string startLine)
    {
        AssertRejected(startLine, 400, "Malformed Status Line");
    }

    [Theory]
    [InlineData("SIP/2.0 099 Too Low")]
    [InlineData("SIP/2.0 700 Too High")]
    [InlineData("SIP/2.0 2x0 OK")]
    [InlineData("SIP/2.0 -20 OK")]
    [InlineData("SIP/2.0  200 OK")]
    public void MalformedStatusCode(string startLine)
    {
        AssertRejected(startLine, 400, "Malformed Status Code");
    }

    [Theory]
    [InlineData("OPTIONS sip:bob@example.com\0 SIP/2.0")]
    [InlineData("OPTIONS sip:bob@exa\nmple.com SIP/2.0")]
    [InlineData("OPTIONS sip:bob@example.com SIP/2.0\u007f")]
    public void ControlCharacterInRequestLine(string startLine)
    {
        AssertAnswerable(startLine, 400, "Control Character In Start Line");
    }

    [Fact]
    public void ControlCharacterInStatusLine()
    {
        AssertRejected("SIP/2.0 200 O\u0007K", 400, "Control Character In Start Line");
    }
}
