using System.Text;
using Presence.Sip.Message;

namespace Presence.Sip.Tests.Message;

public sealed class SipMessageHeadersTests
{
    private static SipMessage Parse(string extra) => SipParser.Parse(Encoding.UTF8.GetBytes(
        "SUBSCRIBE sip:alice@example.com SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: \"Bob\" <sip:bob@example.com>;tag=77\r\n"
        + "To: <sip:alice@example.com>\r\n"
        + "Call-ID: c1\r\n"
        + "CSeq: 1 SUBSCRIBE\r\n"
        + extra
        + "Content-Length: 0\r\n\r\n")).Message!;

    [Fact]
    public void Typed_reads_of_the_presence_headers()
    {
        var m = Parse("Expires: 3600\r\nMin-Expires: 60\r\nEvent: presence;id=9\r\nContact: <sip:bob@192.0.2.1>;expires=30, <sip:bob@192.0.2.2>;q=0.5\r\n"
            + "Route: <sip:edge1.example.com;lr>, <sip:edge2.example.com;lr>\r\nSupported: eventlist, gruu\r\n"
            + "Subscription-State: active;expires=60\r\nContent-Type: application/pidf+xml\r\nRetry-After: 30\r\n"
            + "Warning: 399 example.com \"On holiday\"\r\nReason: SIP ;cause=480 ;text=\"Away\"\r\n");
        Assert.Equal("Bob", m.GetFrom()!.DisplayName);
        Assert.Equal("77", m.GetFrom()!.Tag);
        Assert.Null(m.GetTo()!.Tag);
        Assert.Equal(3600, m.GetExpires());
        Assert.Equal(60, m.GetMinExpires());
        Assert.False(m.HasMalformedExpires());
        Assert.Equal("presence", m.GetEvent()!.Package);
        Assert.Equal("9", m.GetEvent()!.Id);
        Assert.True(m.TryGetContacts(out var contacts, out _));
        Assert.Equal(2, contacts!.Contacts.Count);
        Assert.True(m.TryGetAddresses(HeaderId.Route, out var routes, out _));
        Assert.Equal(["edge1.example.com", "edge2.example.com"], routes.Select(r => r.Uri.Host));
        Assert.Equal(["eventlist", "gruu"], m.GetTokens(HeaderId.Supported));
        Assert.True(m.GetSubscriptionState()!.IsActive);
        Assert.Equal("application/pidf+xml", m.GetContentType()!.Name);
        Assert.Equal(30, m.GetRetryAfter()!.Seconds);
        Assert.Equal("On holiday", Assert.Single(m.GetWarnings()).Text);
        Assert.Equal(480, m.GetReason()!.Cause);
    }

    [Theory]
    [InlineData("Expires: soon\r\n")]
    [InlineData("Expires: -5\r\n")]
    [InlineData("Expires: \r\n")]
    public void Malformed_expires_is_reported_not_defaulted(string header)
    {
        var m = Parse(header);
        Assert.Null(m.GetExpires());
        Assert.True(m.HasMalformedExpires());
    }

    [Fact]
    public void Huge_expires_is_capped_and_absent_headers_are_null()
    {
        Assert.Equal(int.MaxValue, Parse("Expires: 99999999999\r\n").GetExpires());
        var m = Parse(string.Empty);
        Assert.Null(m.GetExpires());
        Assert.False(m.HasMalformedExpires());
        Assert.Null(m.GetEvent());
        Assert.True(m.TryGetContacts(out var none, out _));
        Assert.Empty(none!.Contacts);
        Assert.False(Parse("Route: <sip:bad host>\r\n").TryGetAddresses(HeaderId.Route, out _, out string error));
        Assert.NotEmpty(error);
    }
}
