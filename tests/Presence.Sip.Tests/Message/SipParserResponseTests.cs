using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary>Valid responses: status line, reason phrase, CSeq, and the headers a response may leave out.</summary>
public sealed class SipParserResponseTests
{
    [Fact]
    public void Ok200_StatusLineAndTypedAccessors()
    {
        byte[] bytes = SampleMessages.Bytes(SampleMessages.Ok200);
        SipParseResult result = SipParser.Parse(bytes);

        Assert.True(result.Success);
        SipMessage m = result.Message!;
        Assert.True(m.IsResponse);
        Assert.False(m.IsRequest);
        Assert.Equal(200, m.StatusCode);
        Assert.Equal("OK", m.ReasonPhrase);
        Assert.Equal(string.Empty, m.Method);
        Assert.Equal(string.Empty, m.RequestUri);
        Assert.Equal(314159, m.CSeq);
        Assert.Same(SipMethods.Subscribe, m.CSeqMethod);
        Assert.Equal(-1, m.MaxForwards);
        Assert.Equal("a84b4c76e66710@pc33.example.com", m.CallId);
        Assert.Equal("<sip:bob@example.com>;tag=a6c85cf", m.GetFirst(HeaderId.To));
        Assert.Equal(5060, m.TopVia!.Rport);
        Assert.Equal("192.0.2.10", m.TopVia.Received);
        Assert.Equal(bytes.Length, m.Length);
    }

    [Fact]
    public void Response_NeedsNoMaxForwards()
    {
        SipMessage m = SipText.ParseValid(SipText.Message("SIP/2.0 202 Accepted", SipText.ResponseHeaders));

        Assert.Equal(202, m.StatusCode);
        Assert.Equal("Accepted", m.ReasonPhrase);
        Assert.Equal(-1, m.MaxForwards);
    }

    [Theory]
    [InlineData("SIP/2.0 200 ", "")]
    [InlineData("SIP/2.0 200", "")]
    [InlineData("SIP/2.0 481 Call/Transaction Does Not Exist", "Call/Transaction Does Not Exist")]
    [InlineData("SIP/2.0 480 Nicht verfügbar – später", "Nicht verfügbar – später")]
    [InlineData("SIP/2.0 404  Two  Spaces ", " Two  Spaces ")]
    public void ReasonPhrase_IsEverythingAfterTheCode(string statusLine, string reason)
    {
        SipMessage m = SipText.ParseValid(SipText.Message(statusLine, SipText.ResponseHeaders));

        Assert.Equal(reason, m.ReasonPhrase);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(180)]
    [InlineData(489)]
    [InlineData(699)]
    public void StatusCode_FullRangeAccepted(int code)
    {
        SipMessage m = SipText.ParseValid(SipText.Message($"SIP/2.0 {code} Whatever", SipText.ResponseHeaders));

        Assert.Equal(code, m.StatusCode);
    }

    [Fact]
    public void Response_CSeqMethodNeedNotMatchAnything()
    {
        SipMessage m = SipText.ParseValid(SipText.Message(
            "SIP/2.0 200 OK",
            SipText.ResponseHeaders.Select(h => h.StartsWith("CSeq:", StringComparison.Ordinal) ? "CSeq: 7 PUBLISH" : h)));

        Assert.Equal(7, m.CSeq);
        Assert.Same(SipMethods.Publish, m.CSeqMethod);
        Assert.Equal(string.Empty, m.Method);
    }

    [Fact]
    public void Response_MayCarryBody()
    {
        SipMessage m = SipText.ParseValid(SipText.Message(
            "SIP/2.0 200 OK",
            SipText.ResponseHeaders.Append("Content-Type: text/plain").Append("Content-Length: 5"),
            "hello"));

        Assert.Equal("hello", SipText.Utf8(m.Body));
    }
}
