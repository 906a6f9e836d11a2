using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary>
/// Messages whose start line cannot be read: each is refused with its own status and reason, and no
/// message is returned (there is nothing to address a response to).
/// </summary>
public sealed class SipParserStartLineRejectionTests
{
    private static void AssertRejected(string startLine, int status, string reason)
    {
        SipMessage? m = SipText.ParseRejected(SipText.Message(startLine, SipText.RequestHeaders), status, reason);
        Assert.Null(m);
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
    [InlineData("OPTIONS  sip:bob@example.com SIP/2.0")]
    [InlineData(" OPTIONS sip:bob@example.com SIP/2.0")]
    [InlineData("OPTIONS sip:bob@example.com")]
    [InlineData("OPTIONS")]
    [InlineData("OPTIONS sip:bob@example.com\tSIP/2.0")]
    public void MalformedRequestLine(string startLine)
    {
        AssertRejected(startLine, 400, "Malformed Request Line");
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
    public void RequestUriWithoutScheme(string startLine)
    {
        AssertRejected(startLine, 400, "Malformed Request-URI");
    }

    [Theory]
    [InlineData("OPTIONS sip:bob@example.com SIP/3.0")]
    [InlineData("OPTIONS sip:bob@example.com SIP/1.0")]
    [InlineData("OPTIONS sip:bob@example.com sip/2.1")]
    public void OtherSipVersion_Is505(string startLine)
    {
        AssertRejected(startLine, 505, "Version Not Supported");
    }

    [Theory]
    [InlineData("OPTIONS sip:bob@example.com HTTP/1.1")]
    [InlineData("OPTIONS sip:bob@example.com SIP/")]
    [InlineData("OPTIONS sip:bob@example.com SIP/2.0 ")]
    [InlineData("OPTIONS sip:bob@example.com SIP/2.0 extra")]
    [InlineData("OPTIONS sip:bob@example.com 2.0")]
    public void GarbageVersion_Is400(string startLine)
    {
        AssertRejected(startLine, 400, "Malformed SIP Version");
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
    [InlineData("SIP/2.0 200 O\u0007K")]
    [InlineData("OPTIONS sip:bob@example.com SIP/2.0\u007f")]
    public void ControlCharacterInStartLine(string startLine)
    {
        AssertRejected(startLine, 400, "Control Character In Start Line");
    }
}
