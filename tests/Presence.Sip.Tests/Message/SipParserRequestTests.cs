using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary>Valid requests: the start line and every typed accessor of <see cref="SipMessage"/>.</summary>
public sealed class SipParserRequestTests
{
    [Fact]
    public void Subscribe_StartLineAndTypedAccessors()
    {
        byte[] bytes = SampleMessages.Bytes(SampleMessages.Subscribe);
        SipParseResult result = SipParser.Parse(bytes);

        Assert.True(result.Success);
        Assert.Equal(SipParseError.None, result.Error);
        SipMessage m = result.Message!;
        Assert.True(m.IsRequest);
        Assert.False(m.IsResponse);
        Assert.Equal("SUBSCRIBE", m.Method);
        Assert.Same(SipMethods.Subscribe, m.Method);
        Assert.Equal("sip:bob@example.com", m.RequestUri);
        Assert.Equal(0, m.StatusCode);
        Assert.Equal(string.Empty, m.ReasonPhrase);
        Assert.Equal(314159, m.CSeq);
        Assert.Same(SipMethods.Subscribe, m.CSeqMethod);
        Assert.Equal(70, m.MaxForwards);
        Assert.Equal("a84b4c76e66710@pc33.example.com", m.CallId);
        Assert.Equal(12, m.HeaderCount);
        Assert.Equal(0, m.Body.Length);
        Assert.Equal(bytes.Length, m.Length);
        Assert.Equal(bytes, m.Raw.ToArray());
        Assert.Equal(SampleMessages.Subscribe, m.ToString());
    }

    [Fact]
    public void Subscribe_HeadersInArrivalOrderWithIds()
    {
        SipMessage m = SipText.ParseValid(SampleMessages.Subscribe);

        HeaderId[] expected =
        [
            HeaderId.Via, HeaderId.MaxForwards, HeaderId.From, HeaderId.To, HeaderId.CallId, HeaderId.CSeq,
            HeaderId.Contact, HeaderId.Event, HeaderId.Accept, HeaderId.Expires, HeaderId.UserAgent, HeaderId.ContentLength,
        ];
        Assert.Equal(expected, m.Headers.ToArray().Select(h => h.Id));
        Assert.Equal("From", m.GetName(2));
        Assert.Equal("\"Alice\" <sip:alice@example.com>;tag=1928301774", m.GetValue(2));
        Assert.Equal("presence", m.GetFirst(HeaderId.Event));
        Assert.Equal("3600", m.GetFirst(HeaderId.Expires));
        Assert.Equal("Presence.Tests/1.0", m.GetFirst(HeaderId.UserAgent));
        Assert.Null(m.GetFirst(HeaderId.ContentType));
        Assert.True(m.Has(HeaderId.Accept));
        Assert.False(m.Has(HeaderId.Route));
    }

    [Fact]
    public void Subscribe_TopViaIsParsedOnce()
    {
        SipMessage m = SipText.ParseValid(SampleMessages.Subscribe);

        ViaHeader via = m.TopVia!;
        Assert.Equal("UDP", via.Transport);
        Assert.Equal("192.0.2.10", via.Host);
        Assert.Equal(5060, via.Port);
        Assert.Equal("z9hG4bK776asdhds", via.Branch);
        Assert.True(via.HasRport);
        Assert.Null(via.Rport);
        Assert.Same(via, m.TopVia);
    }

    public static TheoryData<string> KnownMethods() => new(SipMethods.Known);

    [Theory]
    [MemberData(nameof(KnownMethods))]
    public void KnownMethod_IsInternedInMethodAndCSeqMethod(string method)
    {
        SipMessage m = SipText.ParseValid(SipText.Request(method));

        string interned = SipMethods.Known.Single(k => k == method);
        Assert.Same(interned, m.Method);
        Assert.Same(interned, m.CSeqMethod);
        Assert.True(SipMethods.IsKnown(m.Method));
    }

    [Fact]
    public void ExtensionMethod_IsKeptAsWritten()
    {
        SipMessage m = SipText.ParseValid(SipText.Request("X-PING.v2"));

        Assert.Equal("X-PING.v2", m.Method);
        Assert.Equal("X-PING.v2", m.CSeqMethod);
        Assert.False(SipMethods.IsKnown(m.Method));
    }

    [Fact]
    public void MethodNames_AreCaseSensitive()
    {
        // RFC 3261 §7.1: "subscribe" is an extension method, not SUBSCRIBE.
        SipMessage m = SipText.ParseValid(SipText.Request("subscribe"));

        Assert.Equal("subscribe", m.Method);
        Assert.NotSame(SipMethods.Subscribe, m.Method);
        Assert.False(SipMethods.IsKnown(m.Method));
    }

    [Fact]
    public void RequestUri_IsKeptVerbatimWithParametersAndHeaders()
    {
        string text = SipText.Message(
            "OPTIONS sips:Bob%20Smith@Example.COM:5061;transport=tcp;lr?Subject=hi&Priority=urgent SIP/2.0",
            SipText.RequestHeaders);

        Assert.Equal("sips:Bob%20Smith@Example.COM:5061;transport=tcp;lr?Subject=hi&Priority=urgent", SipText.ParseValid(text).RequestUri);
    }

    [Fact]
    public void RequestUri_WithIPv6HostAndPort()
    {
        SipMessage m = SipText.ParseValid(SipText.Message("OPTIONS sip:[2001:db8::1]:5070 SIP/2.0", SipText.RequestHeaders));

        Assert.Equal("sip:[2001:db8::1]:5070", m.RequestUri);
        SipUri uri = SipUri.Parse(m.RequestUri);
        Assert.Equal("2001:db8::1", uri.Host);
        Assert.True(uri.HostIsIPv6);
        Assert.Equal(5070, uri.Port);
    }

    [Fact]
    public void SipVersion_IsCaseInsensitive()
    {
        // RFC 3261 §7.1: the SIP-Version string is case-insensitive.
        SipMessage m = SipText.ParseValid(SipText.Message("OPTIONS sip:bob@example.com sip/2.0", SipText.RequestHeaders));

        Assert.Equal("OPTIONS", m.Method);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("70", 70)]
    [InlineData("255", 255)]
    [InlineData("007", 7)]
    public void MaxForwards_ValidRange(string value, int expected)
    {
        Assert.Equal(expected, SipText.ParseValid(SipText.OptionsWithReplaced("Max-Forwards", value)).MaxForwards);
    }

    [Theory]
    [InlineData("0 OPTIONS", 0)]
    [InlineData("2147483647 OPTIONS", 2147483647)]
    [InlineData("42    OPTIONS", 42)]
    [InlineData("42\tOPTIONS", 42)]
    public void CSeq_NumberAndMethod(string value, long expected)
    {
        SipMessage m = SipText.ParseValid(SipText.OptionsWithReplaced("CSeq", value));

        Assert.Equal(expected, m.CSeq);
        Assert.Same(SipMethods.Options, m.CSeqMethod);
    }

    [Fact]
    public void Register_ContactAndExpires()
    {
        SipMessage m = SipText.ParseValid(SampleMessages.Register);

        Assert.Same(SipMethods.Register, m.Method);
        Assert.Equal("sip:example.com", m.RequestUri);
        Assert.Equal(1826, m.CSeq);
        Assert.Equal("843817637684230@998sdasdh09", m.CallId);
        Assert.Equal("<sip:bob@198.51.100.7:5060;transport=tcp>;expires=7200;q=0.8", m.GetFirst(HeaderId.Contact));
        Assert.Equal(["path", "outbound"], m.GetValues(HeaderId.Supported));
        Assert.Equal("TCP", m.TopVia!.Transport);
        Assert.True(m.TopVia.IsReliable);
    }

    [Fact]
    public void Notify_TwoViasInOrderAndPidfBody()
    {
        SipMessage m = SipText.ParseValid(SampleMessages.Notify);

        Assert.Same(SipMethods.Notify, m.Method);
        Assert.Equal(
            ["SIP/2.0/TCP presence.example.com:5060;branch=z9hG4bKna998sk",
             "SIP/2.0/UDP proxy.example.com;branch=z9hG4bK4b43c2ff8.1;received=203.0.113.5"],
            m.GetValues(HeaderId.Via));
        Assert.Equal("presence.example.com", m.TopVia!.Host);
        Assert.Equal("active;expires=3599", m.GetFirst(HeaderId.SubscriptionState));
        Assert.Equal("application/pidf+xml", m.GetFirst(HeaderId.ContentType));
        Assert.Equal(SampleMessages.Bytes(SampleMessages.PidfBody), m.Body.ToArray());
        Assert.Equal(1111, m.Body.Length);
        Assert.Equal("1111", m.GetFirst(HeaderId.ContentLength));
        Assert.Equal(SampleMessages.PidfBody, SipText.Utf8(m.Body));
    }

    [Fact]
    public void Publish_SipIfMatchAndBody()
    {
        SipMessage m = SipText.ParseValid(SampleMessages.Publish);

        Assert.Same(SipMethods.Publish, m.Method);
        Assert.Equal("dx200xyz", m.GetFirst(HeaderId.SipIfMatch));
        Assert.Equal(SampleMessages.SmallPidfBody, SipText.Utf8(m.Body));
    }

    [Fact]
    public void Options_IPv6Via()
    {
        SipMessage m = SipText.ParseValid(SampleMessages.Options);

        ViaHeader via = m.TopVia!;
        Assert.Equal("2001:db8::10", via.Host);
        Assert.True(via.HostIsIPv6);
        Assert.Equal(5060, via.Port);
        Assert.Equal("[2001:db8::10]:5060", via.SentBy);
        Assert.Equal("z9hG4bKhjhs8ass877", via.Branch);
    }

    [Fact]
    public void Utf8DisplayName_IsDecoded()
    {
        SipMessage m = SipText.ParseValid(SipText.Message(
            SipText.OptionsLine,
            SipText.RequestHeaders.Select(h => h.StartsWith("From:", StringComparison.Ordinal)
                ? "From: \"Zoë Ångström 日本\" <sip:zoe@example.com>;tag=77"
                : h)));

        Assert.Equal("\"Zoë Ångström 日本\" <sip:zoe@example.com>;tag=77", m.GetFirst(HeaderId.From));
        Assert.True(NameAddress.TryParse(m.GetFirst(HeaderId.From)!, out NameAddress? from, out _));
        Assert.Equal("Zoë Ångström 日本", from!.DisplayName);
        Assert.Equal("77", from.Tag);
    }

    [Fact]
    public void MissingOptionalHeaders_GiveDefaults()
    {
        SipMessage m = SipText.ParseValid(SipText.Options());

        Assert.Null(m.GetFirst(HeaderId.Contact));
        Assert.Empty(m.GetValues(HeaderId.Route));
        Assert.Empty(m.GetFields(HeaderId.Route));
        Assert.Equal(0, m.Body.Length);
    }
}
