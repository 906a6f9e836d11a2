using Presence.Sip.Headers;

namespace Presence.Sip.Tests.Headers;

/// <summary><see cref="SipUri"/> parsing (RFC 3261 §19.1, RFC 3966), rejections, and writing back.</summary>
public sealed class SipUriParseTests
{
    private static SipUri Parse(string text)
    {
        Assert.True(SipUri.TryParse(text, out SipUri? uri, out string error), error);
        return uri!;
    }

    [Fact]
    public void SipUri_UserAndHost()
    {
        SipUri uri = Parse("sip:alice@atlanta.com");

        Assert.Equal(UriScheme.Sip, uri.Scheme);
        Assert.Equal("sip", uri.SchemeText);
        Assert.True(uri.IsSip);
        Assert.Equal("alice", uri.User);
        Assert.Null(uri.Password);
        Assert.Equal("atlanta.com", uri.Host);
        Assert.False(uri.HostIsIPv6);
        Assert.Null(uri.Port);
        Assert.Equal(0, uri.Parameters.Count);
        Assert.Empty(uri.Headers);
        Assert.Equal(string.Empty, uri.Opaque);
    }

    [Fact]
    public void SipsUri_WithPasswordAndTransport()
    {
        // An example of RFC 3261 §19.1.3.
        SipUri uri = Parse("sips:alice:secretword@atlanta.com;transport=tcp");

        Assert.Equal(UriScheme.Sips, uri.Scheme);
        Assert.Equal("sips", uri.SchemeText);
        Assert.Equal("alice", uri.User);
        Assert.Equal("secretword", uri.Password);
        Assert.Equal("tcp", uri.Parameters["transport"]);
    }

    [Fact]
    public void TelephoneUser_WithPasswordAndUserParameter()
    {
        SipUri uri = Parse("sip:+1-212-555-1212:1234@gateway.com;user=phone");

        Assert.Equal("+1-212-555-1212", uri.User);
        Assert.Equal("1234", uri.Password);
        Assert.Equal("gateway.com", uri.Host);
        Assert.Equal("phone", uri.Parameters["user"]);
    }

    [Fact]
    public void NoUser_MethodParameterAndEscapedHeader()
    {
        SipUri uri = Parse("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com");

        Assert.Null(uri.User);
        Assert.Equal("atlanta.com", uri.Host);
        Assert.Equal("REGISTER", uri.Parameters["method"]);
        Assert.Equal([new KeyValuePair<string, string>("to", "alice%40atlanta.com")], uri.Headers);
    }

    [Fact]
    public void UserMayContainSemicolon()
    {
        SipUri uri = Parse("sip:alice;day=tuesday@atlanta.com");

        Assert.Equal("alice;day=tuesday", uri.User);
        Assert.Equal("atlanta.com", uri.Host);
        Assert.Equal(0, uri.Parameters.Count);
    }

    [Fact]
    public void IPv6HostWithPortAndFlagParameter()
    {
        SipUri uri = Parse("sip:[2001:db8::1]:5070;transport=udp;lr");

        Assert.Equal("2001:db8::1", uri.Host);
        Assert.True(uri.HostIsIPv6);
        Assert.Equal("[2001:db8::1]", uri.HostReference);
        Assert.Equal(5070, uri.Port);
        Assert.Equal("udp", uri.Parameters["transport"]);
        Assert.True(uri.Parameters.Contains("lr"));
        Assert.True(uri.Parameters.Contains("LR"));
        Assert.Null(uri.Parameters["lr"]);
        Assert.Equal([new SipParameter("transport", "udp"), new SipParameter("lr", null)], uri.Parameters.Items);
    }

    [Fact]
    public void IPv4HostAndPort()
    {
        SipUri uri = Parse("sip:bob@192.0.2.4:5060");

        Assert.Equal("192.0.2.4", uri.Host);
        Assert.Equal(5060, uri.Port);
    }

    [Fact]
    public void HeadersInOrder()
    {
        SipUri uri = Parse("sip:alice@atlanta.com?subject=project%20x&priority=urgent");

        Assert.Equal(
            [new KeyValuePair<string, string>("subject", "project%20x"), new KeyValuePair<string, string>("priority", "urgent")],
            uri.Headers);
    }

    [Fact]
    public void SchemeIsCaseInsensitiveRestKeptAsWritten()
    {
        SipUri uri = Parse("SIP:Alice@Example.COM");

        Assert.Equal(UriScheme.Sip, uri.Scheme);
        Assert.Equal("sip", uri.SchemeText);
        Assert.Equal("Alice", uri.User);
        Assert.Equal("Example.COM", uri.Host);
        Assert.Equal("sip:Alice@Example.COM", uri.ToString());
    }

    [Fact]
    public void SurroundingWhiteSpaceIsTrimmed()
    {
        Assert.Equal("bob", Parse("  sip:bob@example.com\t").User);
    }

    [Fact]
    public void TelUri()
    {
        SipUri uri = Parse("tel:+1-201-555-0123;phone-context=example.com");

        Assert.Equal(UriScheme.Tel, uri.Scheme);
        Assert.Equal("tel", uri.SchemeText);
        Assert.False(uri.IsSip);
        Assert.Equal("+1-201-555-0123", uri.User);
        Assert.Equal(string.Empty, uri.Host);
        Assert.Equal("example.com", uri.Parameters["phone-context"]);
    }

    [Fact]
    public void OtherSchemeIsOpaque()
    {
        SipUri uri = Parse("MailTo:Alice@Example.com");

        Assert.Equal(UriScheme.Other, uri.Scheme);
        Assert.Equal("mailto", uri.SchemeText);
        Assert.Equal("Alice@Example.com", uri.Opaque);
        Assert.Equal("mailto:Alice@Example.com", uri.ToString());
    }

    [Theory]
    [InlineData("sip:", "empty host")]
    [InlineData("sip:alice@", "empty host")]
    [InlineData("sip:alice@;lr", "empty host")]
    [InlineData("sip:alice@atlanta.com:70000", "malformed port")]
    [InlineData("sip:alice@atlanta.com:65536", "malformed port")]
    [InlineData("sip:alice@atlanta.com:5o6o", "malformed port")]
    [InlineData("sip:alice@atlanta.com:+506", "malformed port")]
    [InlineData("sip:alice@atlanta.com:", "empty port")]
    [InlineData("sip:[2001:db8::1]:", "empty port")]
    [InlineData("sip:[2001:db8::1", "unterminated IPv6 reference")]
    [InlineData("sip:[2001:db8::1]x", "junk after IPv6 reference")]
    [InlineData("sip:[192.0.2.1]", "malformed IPv6 reference")]
    [InlineData("sip:[]", "malformed IPv6 reference")]
    [InlineData("sip:%zzalice@atlanta.com", "bad escape in user part")]
    [InlineData("sip:alice%4@atlanta.com", "bad escape in user part")]
    [InlineData("sip:alice:pa%ss@atlanta.com", "bad escape in user part")]
    [InlineData("sip:@atlanta.com", "empty user part")]
    [InlineData("sip::pw@atlanta.com", "empty user part")]
    [InlineData("sip:alice@atlanta.com;transport=tcp;transport=udp", "duplicate URI parameter 'transport'")]
    [InlineData("sip:alice@atlanta.com;lr;LR", "duplicate URI parameter 'LR'")]
    [InlineData("sip:alice@atlanta.com;", "malformed URI parameter")]
    [InlineData("sip:alice@atlanta.com;=tcp", "malformed URI parameter")]
    [InlineData("sip:alice@atlanta.com;tr%zz=1", "malformed URI parameter")]
    [InlineData("sip:alice@atlanta.com;transport=", "malformed value of URI parameter 'transport'")]
    [InlineData("sip:alice@atlanta.com;x=%zz", "malformed value of URI parameter 'x'")]
    [InlineData("sip:alice@atlanta.com?subject", "malformed URI header")]
    [InlineData("sip:alice@atlanta.com?=x", "malformed URI header")]
    [InlineData("sip:alice@atlanta.com?", "malformed URI header")]
    [InlineData("sip:alice@atlanta.com?a=1&", "malformed URI header")]
    [InlineData("sip:alice@atlanta.com?a=%2", "malformed URI header")]
    [InlineData("sip:alice@atl_anta..com", "malformed host")]
    [InlineData("sip:alice@-atlanta.com", "malformed host")]
    [InlineData("sip:alice@.atlanta.com", "malformed host")]
    [InlineData("sip:alice@atl%61nta.com", "malformed host")]
    [InlineData("alice@atlanta.com", "missing URI scheme")]
    [InlineData(":alice@atlanta.com", "missing URI scheme")]
    [InlineData("", "missing URI scheme")]
    [InlineData("1sip:alice@atlanta.com", "malformed URI scheme")]
    [InlineData("s_p:alice@atlanta.com", "malformed URI scheme")]
    [InlineData("sip:alice@atlanta.com x", "bad character in URI")]
    [InlineData("sip:al<ice@atlanta.com", "bad character in URI")]
    [InlineData("sip:alice@atlanta.com\"", "bad character in URI")]
    [InlineData("sip:alice@atlanta.com\u007f", "bad character in URI")]
    [InlineData("tel:", "empty telephone number")]
    [InlineData("tel:;phone-context=x", "empty telephone number")]
    [InlineData("tel:+1_555", "bad character in telephone number")]
    [InlineData("tel:+1555;a=1;a=2", "duplicate URI parameter 'a'")]
    [InlineData("mailto:", "empty URI")]
    public void Rejected(string text, string expectedError)
    {
        Assert.False(SipUri.TryParse(text, out SipUri? uri, out string error));
        Assert.Null(uri);
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void Parse_ThrowsFormatExceptionWithTheReason()
    {
        var e = Assert.Throws<FormatException>(() => SipUri.Parse("sip:alice@atlanta.com:70000"));

        Assert.Equal("Invalid URI 'sip:alice@atlanta.com:70000': malformed port", e.Message);
    }

    [Theory]
    [InlineData("sip:alice@atlanta.com")]
    [InlineData("sips:alice:secretword@atlanta.com:5061;transport=tls;lr?subject=project%20x&priority=urgent")]
    [InlineData("sip:[2001:db8::1]:5070;lr")]
    [InlineData("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com")]
    [InlineData("sip:%61lice@atlanta.com;maddr=239.255.255.1;ttl=15")]
    [InlineData("sip:alice;day=tuesday@atlanta.com")]
    [InlineData("sip:alice:@atlanta.com")]
    [InlineData("tel:+1-201-555-0123;phone-context=example.com")]
    [InlineData("mailto:alice@example.com")]
    public void ToString_RoundTrips(string text)
    {
        Assert.Equal(text, Parse(text).ToString());
    }

    [Fact]
    public void WithParameter_AndWithoutParameter_ReturnChangedCopies()
    {
        SipUri original = Parse("sip:alice@atlanta.com;transport=udp");

        SipUri added = original.WithParameter("lr", null);
        SipUri replaced = original.WithParameter("Transport", "tcp");
        SipUri removed = original.WithoutParameter("TRANSPORT");

        Assert.Equal("sip:alice@atlanta.com;transport=udp", original.ToString());
        Assert.Equal("sip:alice@atlanta.com;transport=udp;lr", added.ToString());
        Assert.Equal("sip:alice@atlanta.com;transport=tcp", replaced.ToString());
        Assert.Equal("sip:alice@atlanta.com", removed.ToString());
    }
}
