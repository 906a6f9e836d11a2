using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary>Header fields: compact forms, letter case, unknown headers, lists and line folding.</summary>
public sealed class SipParserHeaderTests
{
    [Fact]
    public void CompactForms_MapToHeaderIds()
    {
        // RFC 3261 §7.3.3, RFC 6665 §8.2.1 (o, u), RFC 3515 (r).
        string text = SipText.Message(
            "SUBSCRIBE sip:bob@example.com SIP/2.0",
            [
                "v: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKc1",
                "f: <sip:alice@example.com>;tag=1",
                "t: <sip:bob@example.com>",
                "i: compact-1@example.com",
                "CSeq: 1 SUBSCRIBE",
                "Max-Forwards: 70",
                "m: <sip:alice@192.0.2.10>",
                "o: presence",
                "u: presence, message-summary",
                "k: eventlist",
                "s: hello",
                "e: gzip",
                "c: text/plain",
                "r: <sip:carol@example.com>",
                "l: 3",
            ],
            "abc");
        SipMessage m = SipText.ParseValid(text);

        HeaderId[] expected =
        [
            HeaderId.Via, HeaderId.From, HeaderId.To, HeaderId.CallId, HeaderId.CSeq, HeaderId.MaxForwards,
            HeaderId.Contact, HeaderId.Event, HeaderId.AllowEvents, HeaderId.Supported, HeaderId.Subject,
            HeaderId.ContentEncoding, HeaderId.ContentType, HeaderId.ReferTo, HeaderId.ContentLength,
        ];
        Assert.Equal(expected, m.Headers.ToArray().Select(h => h.Id));
        Assert.Equal("v", m.GetName(0));
        Assert.Equal("compact-1@example.com", m.CallId);
        Assert.Equal("z9hG4bKc1", m.TopVia!.Branch);
        Assert.Equal("presence", m.GetFirst(HeaderId.Event));
        Assert.Equal(["presence", "message-summary"], m.GetValues(HeaderId.AllowEvents));
        Assert.Equal("text/plain", m.GetFirst(HeaderId.ContentType));
        Assert.Equal("abc", SipText.Utf8(m.Body));
    }

    [Theory]
    [InlineData("v", HeaderId.Via)]
    [InlineData("V", HeaderId.Via)]
    [InlineData("f", HeaderId.From)]
    [InlineData("t", HeaderId.To)]
    [InlineData("i", HeaderId.CallId)]
    [InlineData("I", HeaderId.CallId)]
    [InlineData("m", HeaderId.Contact)]
    [InlineData("l", HeaderId.ContentLength)]
    [InlineData("L", HeaderId.ContentLength)]
    [InlineData("c", HeaderId.ContentType)]
    [InlineData("o", HeaderId.Event)]
    [InlineData("u", HeaderId.AllowEvents)]
    [InlineData("k", HeaderId.Supported)]
    [InlineData("s", HeaderId.Subject)]
    [InlineData("e", HeaderId.ContentEncoding)]
    [InlineData("r", HeaderId.ReferTo)]
    [InlineData("x", HeaderId.Unknown)]
    [InlineData("a", HeaderId.Unknown)]
    [InlineData("7", HeaderId.Unknown)]
    public void HeaderNames_LookupCompactForm(string name, HeaderId expected)
    {
        Assert.Equal(expected, HeaderNames.Lookup(name));
        Assert.Equal(expected, HeaderNames.Lookup(SipText.Bytes(name)));
    }

    [Theory]
    [InlineData("call-id", HeaderId.CallId)]
    [InlineData("CALL-ID", HeaderId.CallId)]
    [InlineData("sip-etag", HeaderId.SipETag)]
    [InlineData("Subscription-State", HeaderId.SubscriptionState)]
    [InlineData("www-authenticate", HeaderId.WwwAuthenticate)]
    [InlineData("Call_ID", HeaderId.Unknown)]
    [InlineData("Via2", HeaderId.Unknown)]
    [InlineData("", HeaderId.Unknown)]
    [InlineData("Zoë", HeaderId.Unknown)]
    public void HeaderNames_LookupLongFormAnyCase(string name, HeaderId expected)
    {
        Assert.Equal(expected, HeaderNames.Lookup(name));
    }

    [Fact]
    public void HeaderNames_CanonicalSpelling()
    {
        Assert.Equal("Call-ID", HeaderNames.GetName(HeaderId.CallId));
        Assert.Equal("CSeq", HeaderNames.GetName(HeaderId.CSeq));
        Assert.Equal("SIP-ETag", HeaderNames.GetName(HeaderId.SipETag));
        Assert.Equal("WWW-Authenticate", HeaderNames.GetName(HeaderId.WwwAuthenticate));
        Assert.Throws<ArgumentException>(() => HeaderNames.GetName(HeaderId.Unknown));
    }

    [Fact]
    public void HeaderNames_AnyCaseAreRecognisedAndKeptAsWritten()
    {
        string text = SipText.Message(SipText.OptionsLine,
        [
            "vIA: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1",
            "max-FORWARDS: 10",
            "FROM: <sip:alice@example.com>;tag=1",
            "to: <sip:bob@example.com>",
            "call-id: lower@example.com",
            "CSEQ: 9 OPTIONS",
            "content-LENGTH: 0",
        ]);
        SipMessage m = SipText.ParseValid(text);

        Assert.Equal(10, m.MaxForwards);
        Assert.Equal(9, m.CSeq);
        Assert.Equal("lower@example.com", m.CallId);
        Assert.Equal("vIA", m.GetName(0));
        Assert.Equal("call-id", m.GetName(4));
        Assert.Equal(HeaderId.ContentLength, m.GetId(6));
    }

    [Fact]
    public void UnknownHeaders_AreKeptInOrderAndFoundByName()
    {
        SipMessage m = SipText.ParseValid(SipText.Options(
            "X-First: one",
            "P-Asserted-Identity: <sip:alice@example.com>",
            "x-first: two",
            "Subject: known"));

        Assert.Equal(10, m.HeaderCount);
        Assert.Equal(HeaderId.Unknown, m.GetId(6));
        Assert.Equal("X-First", m.GetName(6));
        Assert.Equal("one", m.GetValue(6));
        Assert.Equal("P-Asserted-Identity", m.GetName(7));
        Assert.Equal("<sip:alice@example.com>", m.GetValue(7));
        Assert.Equal("x-first", m.GetName(8));
        Assert.Equal("two", m.GetValue(8));
        Assert.Equal("one", m.GetFirst("X-FIRST"));
        Assert.Equal("<sip:alice@example.com>", m.GetFirst("p-asserted-identity"));
        Assert.Null(m.GetFirst("X-Missing"));
        Assert.Null(m.GetFirst("Zoë"));
        Assert.Equal("known", m.GetFirst("subject"));
        Assert.Equal("known", m.GetFirst("s"));
        Assert.Equal("3848276298220188511@example.com", m.GetFirst("i"));
    }

    [Fact]
    public void RepeatedFieldsAndCommaLists_AreOneList()
    {
        SipMessage m = SipText.ParseValid(SipText.Message(SipText.OptionsLine,
        [
            "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com;branch=z9hG4bK2",
            "Max-Forwards: 70",
            "From: <sip:alice@example.com>;tag=1",
            "To: <sip:bob@example.com>",
            "Call-ID: list@example.com",
            "CSeq: 1 OPTIONS",
            "Via: SIP/2.0/UDP c.example.com;branch=z9hG4bK3",
            "Allow: INVITE, ACK ,OPTIONS,\tSUBSCRIBE",
            "Supported: , eventlist,,path ,",
        ]));

        Assert.Equal(
            ["SIP/2.0/UDP a.example.com;branch=z9hG4bK1", "SIP/2.0/TCP b.example.com;branch=z9hG4bK2", "SIP/2.0/UDP c.example.com;branch=z9hG4bK3"],
            m.GetValues(HeaderId.Via));
        Assert.Equal(
            ["SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com;branch=z9hG4bK2", "SIP/2.0/UDP c.example.com;branch=z9hG4bK3"],
            m.GetFields(HeaderId.Via));
        Assert.Equal("a.example.com", m.TopVia!.Host);
        Assert.Equal(["INVITE", "ACK", "OPTIONS", "SUBSCRIBE"], m.GetValues(HeaderId.Allow));
        Assert.Equal(["eventlist", "path"], m.GetValues(HeaderId.Supported));
    }

    [Fact]
    public void CommasInQuotesAndAngleBrackets_DoNotSplit()
    {
        SipMessage m = SipText.ParseValid(SipText.Options(
            "Contact: \"Smith, John\" <sip:john@example.com;x=1,2>;expires=60, <sip:k@example.com?h=a,b>",
            "Contact: \"Say \\\"hi, there\\\"\" <sip:q@example.com>"));

        Assert.Equal(
            [
                "\"Smith, John\" <sip:john@example.com;x=1,2>;expires=60",
                "<sip:k@example.com?h=a,b>",
                "\"Say \\\"hi, there\\\"\" <sip:q@example.com>",
            ],
            m.GetValues(HeaderId.Contact));
    }

    [Fact]
    public void LineFolding_ContinuationLinesJoinedByOneSpace()
    {
        // The example of RFC 3261 §7.3.1.
        string text = SipText.Options(
            "Subject: I know you're there,",
            "               pick up the phone",
            "\t  and talk to me!");
        SipMessage m = SipText.ParseValid(text);

        Assert.Equal("I know you're there, pick up the phone and talk to me!", m.GetFirst(HeaderId.Subject));
        Assert.Equal(7, m.HeaderCount);
        Assert.Equal(
            "I know you're there,\r\n               pick up the phone\r\n\t  and talk to me!",
            SipText.Utf8(m.GetRawValueMemory(6)));
        Assert.Equal(m.GetRawValueMemory(6).ToArray(), m.GetRawValue(6).ToArray());
    }

    [Fact]
    public void LineFolding_TrailingWhiteSpaceBeforeFoldIsCollapsed()
    {
        SipMessage m = SipText.ParseValid(SipText.Options("Subject: one   ", "   two  ", " three"));

        Assert.Equal("one two three", m.GetFirst(HeaderId.Subject));
    }

    [Fact]
    public void LineFolding_ValueStartingOnContinuationLineHasNoLeadingSpace()
    {
        // Regression: "Subject:" with nothing after the colon used to give " hello".
        SipMessage m = SipText.ParseValid(SipText.Options("Subject:", "   hello", " world"));

        Assert.Equal("hello world", m.GetFirst(HeaderId.Subject));
    }

    [Fact]
    public void LineFolding_CallIdOnContinuationLineIsAccepted()
    {
        // RFC 3261 §25.1: HCOLON = *( SP / HTAB ) ":" SWS, and SWS may be a fold.
        SipMessage m = SipText.ParseValid(SipText.Message(SipText.OptionsLine,
            SipText.RequestHeaders.Select(h => h.StartsWith("Call-ID:", StringComparison.Ordinal) ? "Call-ID:\r\n folded@example.com" : h)));

        Assert.Equal("folded@example.com", m.CallId);
    }

    [Fact]
    public void LineFolding_WhiteSpaceOnlyContinuationIsIgnored()
    {
        SipMessage m = SipText.ParseValid(SipText.Options("Subject: alone", " \t "));

        Assert.Equal("alone", m.GetFirst(HeaderId.Subject));
        Assert.Equal("alone", SipText.Utf8(m.GetRawValueMemory(6)));
    }

    [Fact]
    public void LineFolding_InCSeqAndVia()
    {
        SipMessage m = SipText.ParseValid(SipText.Message(SipText.OptionsLine,
        [
            "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1,",
            "  SIP/2.0/UDP b.example.com;branch=z9hG4bK2",
            "Max-Forwards: 70",
            "From: <sip:alice@example.com>;tag=1",
            "To: <sip:bob@example.com>",
            "Call-ID: fold@example.com",
            "CSeq: 4711",
            "  OPTIONS",
        ]));

        Assert.Equal(4711, m.CSeq);
        Assert.Same(SipMethods.Options, m.CSeqMethod);
        Assert.Equal(["SIP/2.0/UDP a.example.com;branch=z9hG4bK1", "SIP/2.0/UDP b.example.com;branch=z9hG4bK2"], m.GetValues(HeaderId.Via));
    }

    [Theory]
    [InlineData("Subject:   hi there  \t", "Subject", "hi there")]
    [InlineData("Subject  : spaced name", "Subject", "spaced name")]
    [InlineData("Subject:", "Subject", "")]
    [InlineData("Subject:\tno-space", "Subject", "no-space")]
    [InlineData("X-Colons: a:b:c", "X-Colons", "a:b:c")]
    public void HeaderValue_IsTrimmed(string line, string name, string value)
    {
        SipMessage m = SipText.ParseValid(SipText.Options(line));
        Assert.Equal(name, m.GetName(6));
        Assert.Equal(value, m.GetValue(6));
    }
}
