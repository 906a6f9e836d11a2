using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary>
/// Messages whose start line is fine but whose header section is not: each is refused with its own reason,
/// and the message is still returned so that a 400 can be addressed to the sender.
/// </summary>
public sealed class SipParserHeaderRejectionTests
{
    private static SipMessage AssertAddressableRejection(string text, string reason)
    {
        SipMessage? m = SipText.ParseRejected(text, 400, reason);
        Assert.NotNull(m);
        Assert.Equal("OPTIONS", m.Method);
        Assert.Equal("sip:bob@example.com", m.RequestUri);
        return m;
    }

    [Theory]
    [InlineData("Via", "Missing Via Header")]
    [InlineData("From", "Missing From Header")]
    [InlineData("To", "Missing To Header")]
    [InlineData("Call-ID", "Missing Call-ID Header")]
    [InlineData("CSeq", "Missing CSeq Header")]
    public void Request_MissingMandatoryHeader(string name, string reason)
    {
        AssertAddressableRejection(SipText.OptionsWithout(name), reason);
    }

    [Fact]
    public void Request_WithoutMaxForwards_IsAnRfc2543RequestAndAccepted()
    {
        // RFC 4475 §3.4.1 (inv2543).
        SipParseResult result = SipText.Parse(SipText.OptionsWithout("Max-Forwards"));
        Assert.True(result.Success, result.Error.ToString());
        Assert.Equal(-1, result.Message!.MaxForwards);
    }

    [Theory]
    [InlineData("256")]
    [InlineData("1000000000")]
    public void OverlargeMaxForwards_IsReadAsAbsent(string value)
    {
        // RFC 4475 §3.1.2.4 (scalar02): an element may treat a Max-Forwards above 255 as absent.
        SipParseResult result = SipText.Parse(SipText.OptionsWithReplaced("Max-Forwards", value));
        Assert.True(result.Success, result.Error.ToString());
        Assert.Equal(-1, result.Message!.MaxForwards);
    }

    [Theory]
    [InlineData("2147483648 OPTIONS")]
    [InlineData("99999999999 OPTIONS")]
    [InlineData("36893488147419103232 OPTIONS")]
    public void CSeqNumberOutOfRange(string value)
    {
        // RFC 3261 §8.1.1.5: below 2^31; RFC 4475 §3.1.2.4 (scalar02) wants 400 for it. The method is still read.
        SipMessage m = AssertAddressableRejection(SipText.OptionsWithReplaced("CSeq", value), "CSeq Number Out Of Range");
        Assert.Equal(-1, m.CSeq);
        Assert.Equal("OPTIONS", m.CSeqMethod);
    }

    [Theory]
    [InlineData("Via", "Missing Via Header")]
    [InlineData("From", "Missing From Header")]
    [InlineData("To", "Missing To Header")]
    [InlineData("Call-ID", "Missing Call-ID Header")]
    [InlineData("CSeq", "Missing CSeq Header")]
    public void Response_MissingMandatoryHeader(string name, string reason)
    {
        string text = SipText.Message(
            "SIP/2.0 200 OK",
            SipText.ResponseHeaders.Where(h => !h.StartsWith(name + ":", StringComparison.Ordinal)));

        SipMessage? m = SipText.ParseRejected(text, 400, reason);

        Assert.NotNull(m);
        Assert.Equal(200, m.StatusCode);
    }

    [Theory]
    [InlineData("From: <sip:carol@example.com>;tag=2", "Duplicate From Header")]
    [InlineData("f: <sip:carol@example.com>;tag=2", "Duplicate From Header")]
    [InlineData("To: <sip:carol@example.com>", "Duplicate To Header")]
    [InlineData("Call-ID: other@example.com", "Duplicate Call-ID Header")]
    [InlineData("i: 3848276298220188511@example.com", "Duplicate Call-ID Header")]
    [InlineData("CSeq: 2 OPTIONS", "Duplicate CSeq Header")]
    [InlineData("CSeq: 1 OPTIONS", "Duplicate CSeq Header")]
    [InlineData("Max-Forwards: 70", "Duplicate Max-Forwards Header")]
    public void DuplicateSingletonHeader(string extra, string reason)
    {
        AssertAddressableRejection(SipText.Options(extra), reason);
    }

    [Fact]
    public void RepeatedVia_IsNotADuplicate()
    {
        SipMessage m = SipText.ParseValid(SipText.Options("Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2"));

        Assert.Equal(2, m.GetValues(HeaderId.Via).Count());
    }

    [Theory]
    [InlineData("a b@example.com")]
    [InlineData("a\tb")]
    public void MalformedCallId(string value)
    {
        AssertAddressableRejection(SipText.OptionsWithReplaced("Call-ID", value), "Malformed Call-ID");
    }

    [Fact]
    public void EmptyCallId_IsMalformed()
    {
        AssertAddressableRejection(SipText.OptionsWithReplaced("Call-ID", string.Empty), "Malformed Call-ID");
    }

    [Theory]
    [InlineData("abc OPTIONS")]
    [InlineData("-1 OPTIONS")]
    [InlineData("1")]
    [InlineData("1 ")]
    [InlineData("1OPTIONS")]
    [InlineData("1 OPT@ONS")]
    [InlineData("1 OPTIONS extra")]
    [InlineData("")]
    public void MalformedCSeq(string value)
    {
        SipMessage m = AssertAddressableRejection(SipText.OptionsWithReplaced("CSeq", value), "Malformed CSeq");

        Assert.Equal(-1, m.CSeq);
        Assert.Equal(string.Empty, m.CSeqMethod);
    }

    [Theory]
    [InlineData("1 INVITE")]
    [InlineData("1 options")]
    [InlineData("1 OPTIONSX")]
    public void CSeqMethodMismatch(string value)
    {
        AssertAddressableRejection(SipText.OptionsWithReplaced("CSeq", value), "CSeq Method Does Not Match Request Method");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("7 0")]
    [InlineData("")]
    public void MalformedMaxForwards(string value)
    {
        SipMessage m = AssertAddressableRejection(SipText.OptionsWithReplaced("Max-Forwards", value), "Malformed Max-Forwards");

        Assert.Equal(-1, m.MaxForwards);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1e3")]
    [InlineData("1234567890")]
    [InlineData("")]
    [InlineData("5 5")]
    public void MalformedContentLength(string value)
    {
        AssertAddressableRejection(SipText.Options("Content-Length: " + value), "Malformed Content-Length");
    }

    [Fact]
    public void ConflictingContentLength()
    {
        AssertAddressableRejection(SipText.Options("Content-Length: 3", "l: 4") + "abcd", "Conflicting Content-Length Headers");
    }

    [Theory]
    [InlineData("Bogus header line")]
    [InlineData("X-No-Colon")]
    public void HeaderWithoutColon(string line)
    {
        AssertAddressableRejection(SipText.Options(line), "Header Line Without Colon");
    }

    [Theory]
    [InlineData("Bad Name: x")]
    [InlineData(": x")]
    [InlineData("X-Ódd: value")]
    [InlineData("X(y): z")]
    [InlineData("X-Null\0: z")]
    public void MalformedHeaderName(string line)
    {
        AssertAddressableRejection(SipText.Options(line), "Malformed Header Name");
    }

    [Theory]
    [InlineData("Subject: a\0b")]
    [InlineData("Subject: a\nb")]
    [InlineData("Subject: a\rb")]
    [InlineData("Subject: a\u0001b")]
    [InlineData("Subject: a\u007fb")]
    public void ControlCharacterInHeader(string line)
    {
        AssertAddressableRejection(SipText.Options(line), "Control Character In Header Subject");
    }

    [Fact]
    public void ControlCharacterInContinuationLine()
    {
        AssertAddressableRejection(SipText.Options("Subject: a", " b\0c"), "Control Character In Header Subject");
    }

    [Fact]
    public void ControlCharacterInUnknownHeaderIsNamed()
    {
        AssertAddressableRejection(SipText.Options("X-Custom: \u001b[31m"), "Control Character In Header X-Custom");
    }

    [Theory]
    [InlineData("Bad Name: x", "Malformed Header Name")]
    [InlineData("No colon", "Header Line Without Colon")]
    [InlineData("X-Bad: b\0c", "Control Character In Header X-Bad")]
    [InlineData("  b\0c", "Control Character In Header Subject")]
    public void ContinuationOfRejectedLine_DoesNotExtendTheFieldBefore(string rejected, string reason)
    {
        // Regression (found by ParserFuzzTests): the continuation of a rejected line used to extend the last
        // accepted field over the rejected line, so that field's value carried the NUL or the bad line, and
        // building the 400 for it threw (header injection check).
        SipMessage m = AssertAddressableRejection(SipText.Options("Subject: a", rejected, "  more", "\tand more"), reason);

        Assert.Equal("a", m.GetFirst(HeaderId.Subject));
        Assert.Equal("a", SipText.Utf8(m.GetRawValueMemory(6)));
        Assert.Equal(7, m.HeaderCount);
    }

    [Fact]
    public void ContinuationOfRejectedLineAfterTo_StillAllowsA400()
    {
        SipMessage request = AssertAddressableRejection(
            SipText.Message(SipText.OptionsLine,
            [
                "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK74bf9",
                "Max-Forwards: 70",
                "From: <sip:alice@example.com>;tag=9fxced76sl",
                "To: <sip:bob@example.com>",
                "X-Bad: \0",
                " continued",
                "Call-ID: 3848276298220188511@example.com",
                "CSeq: 1 OPTIONS",
            ]),
            "Control Character In Header X-Bad");

        string response = SipMessageBuilder.ResponseTo(request, 400, "Control Character In Header X-Bad", toTag: "t").ToString();

        Assert.Contains("\r\nTo: <sip:bob@example.com>;tag=t\r\nCall-ID: ", response, StringComparison.Ordinal);
        Assert.DoesNotContain("continued", response, StringComparison.Ordinal);
    }

    [Fact]
    public void ContinuationBeforeFirstHeader()
    {
        string text = SipText.Message(SipText.OptionsLine, SipText.RequestHeaders.Prepend("  folded too early"));

        AssertAddressableRejection(text, "Continuation Line Before First Header");
    }

    [Fact]
    public void MissingEmptyLineAfterHeaders()
    {
        string text = SipText.OptionsLine + "\r\n" + string.Concat(SipText.RequestHeaders.Select(h => h + "\r\n"));

        SipMessage m = AssertAddressableRejection(text, "Header Section Not Terminated By Empty Line");

        Assert.Equal(6, m.HeaderCount);
        Assert.Equal(0, m.Body.Length);
    }

    [Fact]
    public void LastHeaderWithoutCrlf()
    {
        string text = SipText.OptionsLine + "\r\n" + string.Join("\r\n", SipText.RequestHeaders);

        SipMessage m = AssertAddressableRejection(text, "Header Section Not Terminated By Empty Line");

        Assert.Equal(5, m.HeaderCount);
    }

    [Fact]
    public void FirstProblemIsTheOneReported()
    {
        // A bad line comes before the duplicate, which comes before the missing header.
        string text = SipText.Message(
            SipText.OptionsLine,
            SipText.RequestHeaders.Where(h => !h.StartsWith("Via:", StringComparison.Ordinal))
                .Prepend("No colon here")
                .Append("From: <sip:x@example.com>;tag=2"));

        AssertAddressableRejection(text, "Header Line Without Colon");
    }

    [Fact]
    public void RejectedLinesAreLeftOutOfTheMessage()
    {
        SipMessage m = AssertAddressableRejection(SipText.Options("Bad Name: x", "X-Good: y"), "Malformed Header Name");

        Assert.Equal(7, m.HeaderCount);
        Assert.Equal("y", m.GetFirst("X-Good"));
        Assert.Equal("3848276298220188511@example.com", m.CallId);
    }
}
