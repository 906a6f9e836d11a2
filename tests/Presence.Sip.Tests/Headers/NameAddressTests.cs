using Presence.Sip.Headers;

namespace Presence.Sip.Tests.Headers;

/// <summary><see cref="NameAddress"/>: From, To, Contact, Route values (RFC 3261 §20.10, §20.20, §20.39, §25.1).</summary>
public sealed class NameAddressTests
{
    private static NameAddress Parse(string text)
    {
        Assert.True(NameAddress.TryParse(text, out NameAddress? value, out string error), error);
        return value!;
    }

    [Fact]
    public void QuotedDisplayNameWithEscapes()
    {
        NameAddress a = Parse("\"Alice \\\"The Great\\\" \\\\ Smith\" <sip:alice@atlanta.com>;tag=1928301774");

        Assert.Equal("Alice \"The Great\" \\ Smith", a.DisplayName);
        Assert.Equal("sip:alice@atlanta.com", a.Uri.ToString());
        Assert.Equal("1928301774", a.Tag);
    }

    [Fact]
    public void QuotedDisplayNameWithUtf8AndSpecials()
    {
        NameAddress a = Parse("\"Zoë; <Ångström>, Ph.D.\"<sip:zoe@example.com>");

        Assert.Equal("Zoë; <Ångström>, Ph.D.", a.DisplayName);
        Assert.Equal("zoe", a.Uri.User);
        Assert.Null(a.Tag);
    }

    [Fact]
    public void TokenDisplayName()
    {
        NameAddress a = Parse("Bob  Smith <sip:bob@biloxi.com>;tag=a6c85cf");

        Assert.Equal("Bob  Smith", a.DisplayName);
        Assert.Equal("biloxi.com", a.Uri.Host);
        Assert.Equal("a6c85cf", a.Tag);
    }

    [Fact]
    public void NoDisplayName()
    {
        NameAddress a = Parse("  <sip:bob@biloxi.com>  ");

        Assert.Null(a.DisplayName);
        Assert.Equal(0, a.Parameters.Count);
    }

    [Fact]
    public void EmptyQuotedDisplayName()
    {
        NameAddress a = Parse("\"\" <sip:bob@biloxi.com>");

        Assert.Equal(string.Empty, a.DisplayName);
        Assert.Equal("<sip:bob@biloxi.com>", a.ToString());
    }

    [Fact]
    public void AddrSpecForm_SemicolonParametersBelongToTheHeader()
    {
        // RFC 3261 §20: without angle brackets, ";" parameters are header parameters, not URI parameters.
        NameAddress a = Parse("sip:bob@biloxi.com;tag=88sja8x;transport=tcp");

        Assert.Null(a.DisplayName);
        Assert.Equal("sip:bob@biloxi.com", a.Uri.ToString());
        Assert.Equal(0, a.Uri.Parameters.Count);
        Assert.Equal("88sja8x", a.Tag);
        Assert.Equal("tcp", a.Parameters["transport"]);
    }

    [Fact]
    public void NameAddrForm_UriParametersStayInTheUri()
    {
        NameAddress a = Parse("<sip:bob@biloxi.com;transport=tcp;lr>;tag=x;expires=60");

        Assert.Equal("tcp", a.Uri.Parameters["transport"]);
        Assert.True(a.Uri.Parameters.Contains("lr"));
        Assert.Equal("x", a.Tag);
        Assert.Equal("60", a.Parameters["expires"]);
        Assert.False(a.Parameters.Contains("transport"));
    }

    [Fact]
    public void HeaderParameters_QuotedFlagAndWhiteSpace()
    {
        NameAddress a = Parse("<sip:a@example.com> ; tag = t1 ;+sip.instance=\"<urn:uuid:f81d4fae>\";reg-id=1;ob");

        Assert.Equal("t1", a.Tag);
        Assert.Equal("<urn:uuid:f81d4fae>", a.Parameters["+sip.instance"]);
        Assert.True(a.Parameters.Items[1].Quoted);
        Assert.Equal("1", a.Parameters["reg-id"]);
        Assert.True(a.Parameters.Contains("ob"));
        Assert.Null(a.Parameters["ob"]);
    }

    [Fact]
    public void TelUriAndIPv6Uri()
    {
        Assert.Equal(UriScheme.Tel, Parse("<tel:+1-201-555-0123>;tag=9").Uri.Scheme);
        Assert.Equal("2001:db8::1", Parse("<sip:alice@[2001:db8::1]:5070>").Uri.Host);
    }

    [Theory]
    [InlineData("\"Alice <sip:alice@atlanta.com>", "unterminated display name")]
    [InlineData("\"Alice\\\" <sip:alice@atlanta.com>", "unterminated display name")]
    [InlineData("\"Alice\" sip:alice@atlanta.com", "expected '<' after display name")]
    [InlineData("<sip:alice@atlanta.com", "missing '>'")]
    [InlineData("Al@ice <sip:alice@atlanta.com>", "malformed display name")]
    [InlineData("Alice\" <sip:alice@atlanta.com>", "malformed display name")]
    [InlineData("<sip:alice@atlanta.com> junk", "unexpected text after address")]
    [InlineData("<sip:alice@atlanta.com>, <sip:bob@biloxi.com>", "unexpected text after address")]
    [InlineData("", "missing URI")]
    [InlineData("   ", "missing URI")]
    [InlineData("<bob>", "missing URI scheme")]
    [InlineData("<sip:alice@atlanta.com:99999>", "malformed port")]
    [InlineData("<sip:alice@atlanta.com>;tag=1;tag=2", "duplicate parameter 'tag'")]
    [InlineData("<sip:alice@atlanta.com>;TAG=1;tag=2", "duplicate parameter 'tag'")]
    [InlineData("<sip:alice@atlanta.com>;=x", "empty parameter name")]
    [InlineData("<sip:alice@atlanta.com>;tag=", "empty value of parameter 'tag'")]
    [InlineData("<sip:alice@atlanta.com>;x=\"abc", "unterminated quoted value of parameter 'x'")]
    [InlineData("<sip:alice@atlanta.com>;x=a/b", "bad character in parameter 'x'")]
    public void Rejected(string text, string expectedError)
    {
        Assert.False(NameAddress.TryParse(text, out NameAddress? value, out string error));
        Assert.Null(value);
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void Parse_ThrowsFormatException()
    {
        var e = Assert.Throws<FormatException>(() => NameAddress.Parse("<sip:alice@atlanta.com"));

        Assert.Equal("missing '>'", e.Message);
    }

    [Theory]
    [InlineData("\"Alice \\\"A\\\"\" <sip:alice@atlanta.com>;tag=1", "\"Alice \\\"A\\\"\" <sip:alice@atlanta.com>;tag=1")]
    [InlineData("Bob <sip:bob@biloxi.com>", "\"Bob\" <sip:bob@biloxi.com>")]
    [InlineData("sip:bob@biloxi.com;tag=2", "<sip:bob@biloxi.com>;tag=2")]
    [InlineData("<sip:a@b.example.com;lr>;x=\"q;v\"", "<sip:a@b.example.com;lr>;x=\"q;v\"")]
    public void ToString_WritesNameAddrForm(string text, string expected)
    {
        Assert.Equal(expected, Parse(text).ToString());
    }

    [Fact]
    public void WithTag_AddsOrReplacesAndLeavesOriginal()
    {
        NameAddress original = Parse("<sip:bob@biloxi.com>;x=1");

        NameAddress tagged = original.WithTag("t1");
        NameAddress retagged = tagged.WithTag("t2");

        Assert.Null(original.Tag);
        Assert.Equal("<sip:bob@biloxi.com>;x=1;tag=t1", tagged.ToString());
        Assert.Equal("<sip:bob@biloxi.com>;x=1;tag=t2", retagged.ToString());
    }
}
