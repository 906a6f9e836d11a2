using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

/// <summary><see cref="SipMessageBuilder.ResponseTo"/>: the headers a response copies from its request (RFC 3261 §8.2.6).</summary>
public sealed class SipMessageBuilderResponseToTests
{
    [Fact]
    public void CopiesViasFromToCallIdCSeqExactlyAndNothingElse()
    {
        SipMessage notify = SipText.ParseValid(SampleMessages.Notify);

        string response = SipMessageBuilder.ResponseTo(notify, 200, toTag: "ignored-because-present").ToString();

        Assert.Equal(
            "SIP/2.0 200 OK\r\n" +
            "Via: SIP/2.0/TCP presence.example.com:5060;branch=z9hG4bKna998sk\r\n" +
            "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK4b43c2ff8.1;received=203.0.113.5\r\n" +
            "From: <sip:bob@example.com>;tag=a6c85cf\r\n" +
            "To: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n" +
            "Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
            "CSeq: 2 NOTIFY\r\n" +
            "Content-Length: 0\r\n" +
            "\r\n",
            response);
    }

    [Fact]
    public void EchoesAFoldedFieldUnfolded()
    {
        // RFC 3261 §7.3.1 folding is legal in the request; echoed as received, its second line would start our
        // response's line with text the sender chose, which a peer that does not unfold reads as a header.
        SipMessage request = SipText.ParseValid(SipText.OptionsWithReplaced("From", "\"Evil\r\n X-Injected: 1\" <sip:alice@example.com>;tag=9f"));

        string response = SipMessageBuilder.ResponseTo(request, 200).ToString();

        Assert.Contains("\r\nFrom: \"Evil X-Injected: 1\" <sip:alice@example.com>;tag=9f\r\n", response, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\n ", response, StringComparison.Ordinal);
    }

    [Fact]
    public void AddsToTagWhenTheRequestHasNone()
    {
        SipMessage subscribe = SipText.ParseValid(SampleMessages.Subscribe);

        SipMessage response = SipMessageBuilder.ResponseTo(subscribe, 202, toTag: "srv-4411").ToMessage();

        Assert.Equal("<sip:bob@example.com>;tag=srv-4411", response.GetFirst(HeaderId.To));
        Assert.Equal(202, response.StatusCode);
        Assert.Equal("Accepted", response.ReasonPhrase);
        Assert.Equal(314159, response.CSeq);
        Assert.Same(SipMethods.Subscribe, response.CSeqMethod);
    }

    [Fact]
    public void AddsToTagToAddrSpecFormAsHeaderParameter()
    {
        SipMessage request = SipText.ParseValid(SipText.OptionsWithReplaced("To", "sip:bob@example.com"));

        SipMessage response = SipMessageBuilder.ResponseTo(request, 200, toTag: "t1").ToMessage();

        Assert.Equal("sip:bob@example.com;tag=t1", response.GetFirst(HeaderId.To));
        NameAddress to = NameAddress.Parse(response.GetFirst(HeaderId.To)!);
        Assert.Equal("t1", to.Tag);
        Assert.Equal(0, to.Uri.Parameters.Count);
    }

    [Fact]
    public void NoToTagWithoutOneGiven()
    {
        SipMessage subscribe = SipText.ParseValid(SampleMessages.Subscribe);

        SipMessage response = SipMessageBuilder.ResponseTo(subscribe, 200).ToMessage();

        Assert.Equal("<sip:bob@example.com>", response.GetFirst(HeaderId.To));
    }

    [Fact]
    public void Trying100_GetsNoToTagAndEchoesTimestamp()
    {
        // RFC 3261 §8.2.6.1: a 100 copies Timestamp; §8.2.6.2: a 100 may not carry a To tag.
        SipMessage request = SipText.ParseValid(SipText.Options("Timestamp: 54.2 0.3"));

        string trying = SipMessageBuilder.ResponseTo(request, 100, toTag: "never").ToString();

        Assert.Equal(
            "SIP/2.0 100 Trying\r\n" +
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK74bf9\r\n" +
            "From: <sip:alice@example.com>;tag=9fxced76sl\r\n" +
            "To: <sip:bob@example.com>\r\n" +
            "Call-ID: 3848276298220188511@example.com\r\n" +
            "CSeq: 1 OPTIONS\r\n" +
            "Timestamp: 54.2 0.3\r\n" +
            "Content-Length: 0\r\n" +
            "\r\n",
            trying);
    }

    [Fact]
    public void FinalResponse_DoesNotEchoTimestamp()
    {
        SipMessage request = SipText.ParseValid(SipText.Options("Timestamp: 54"));

        SipMessage response = SipMessageBuilder.ResponseTo(request, 200, toTag: "x").ToMessage();

        Assert.False(response.Has(HeaderId.Timestamp));
    }

    [Fact]
    public void TopViaReplacedWithReceivedAndRport()
    {
        // RFC 3581 §4: rport requested, so received and rport are filled in.
        SipMessage subscribe = SipText.ParseValid(SampleMessages.Subscribe);
        ViaHeader top = subscribe.TopVia!.WithReceived("203.0.113.9", 40000);

        SipMessage response = SipMessageBuilder.ResponseTo(subscribe, 200, toTag: "x", topVia: top).ToMessage();

        Assert.Equal(
            ["SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport=40000;received=203.0.113.9"],
            response.GetValues(HeaderId.Via));
        Assert.Equal(40000, response.TopVia!.Rport);
    }

    [Fact]
    public void TopViaReplacedInsideACommaList_OthersFollowInOrder()
    {
        SipMessage request = SipText.ParseValid(SipText.Message(SipText.OptionsLine,
        [
            "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2",
            "Via: SIP/2.0/TCP c.example.com;branch=z9hG4bK3",
            "Max-Forwards: 70",
            "From: <sip:alice@example.com>;tag=1",
            "To: <sip:bob@example.com>",
            "Call-ID: list@example.com",
            "CSeq: 1 OPTIONS",
        ]));
        ViaHeader top = request.TopVia!.WithReceived("198.51.100.1", 5060);

        string response = SipMessageBuilder.ResponseTo(request, 200, topVia: top).ToString();

        Assert.StartsWith(
            "SIP/2.0 200 OK\r\n" +
            "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1;received=198.51.100.1\r\n" +
            "Via: SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n" +
            "Via: SIP/2.0/TCP c.example.com;branch=z9hG4bK3\r\n" +
            "From: ",
            response);
    }

    [Fact]
    public void CompactHeadersAreCopiedUnderTheirFullNames()
    {
        SipMessage request = SipText.ParseValid(SipText.Message(SipText.OptionsLine,
        [
            "v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1",
            "Max-Forwards: 70",
            "f: <sip:alice@example.com>;tag=1",
            "t: <sip:bob@example.com>;tag=2",
            "i: compact@example.com",
            "CSeq: 1 OPTIONS",
        ]));

        string response = SipMessageBuilder.ResponseTo(request, 200, toTag: "x").ToString();

        Assert.Equal(
            "SIP/2.0 200 OK\r\n" +
            "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n" +
            "From: <sip:alice@example.com>;tag=1\r\n" +
            "To: <sip:bob@example.com>;tag=2\r\n" +
            "Call-ID: compact@example.com\r\n" +
            "CSeq: 1 OPTIONS\r\n" +
            "Content-Length: 0\r\n\r\n",
            response);
    }

    [Fact]
    public void ReasonGivenIsCleanedOfControlCharacters()
    {
        SipMessage request = SipText.ParseValid(SipText.Options());

        SipMessageBuilder response = SipMessageBuilder.ResponseTo(request, 480, "Away\r\nX-Evil: 1", toTag: "x");

        Assert.Equal("Away  X-Evil: 1", response.Reason);
        Assert.StartsWith("SIP/2.0 480 Away  X-Evil: 1\r\nVia: ", response.ToString());
    }

    [Fact]
    public void ResponseToRejectedButAddressableRequest_CanBeBuilt()
    {
        // What a server does with a request whose start line parsed but whose headers did not.
        SipParseResult parsed = SipText.Parse(SipText.OptionsWithReplaced("Max-Forwards", "abc"));
        Assert.False(parsed.Success);

        SipMessageBuilder response = SipMessageBuilder.ResponseTo(parsed.Message!, 400, parsed.Error.Reason, toTag: "e1");

        Assert.StartsWith("SIP/2.0 400 Malformed Max-Forwards\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK74bf9\r\n", response.ToString());
        Assert.Equal("<sip:bob@example.com>;tag=e1", response.ToMessage().GetFirst(HeaderId.To));
    }

    [Fact]
    public void ToTagWithLineBreak_IsRefused()
    {
        SipMessage request = SipText.ParseValid(SipText.Options());

        Assert.Throws<ArgumentException>(() => SipMessageBuilder.ResponseTo(request, 200, toTag: "x\r\nX-Evil: 1"));
    }
}
