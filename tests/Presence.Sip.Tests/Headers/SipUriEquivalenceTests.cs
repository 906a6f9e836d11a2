using Presence.Sip.Headers;

namespace Presence.Sip.Tests.Headers;

/// <summary><see cref="SipUri.EquivalentTo"/> (RFC 3261 §19.1.4) and <see cref="SipUri.ToAor"/>.</summary>
public sealed class SipUriEquivalenceTests
{
    /// <summary>"The URIs within each of the following sets are equivalent" — RFC 3261 §19.1.4, every pair of every set.</summary>
    public static TheoryData<string, string> RfcEquivalent() => new()
    {
        { "sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp" },
        { "sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5" },
        { "sip:carol@chicago.com", "sip:carol@chicago.com;security=on" },
        { "sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on" },
        { "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com", "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com" },
        { "sip:alice@atlanta.com?subject=project%20x&priority=urgent", "sip:alice@atlanta.com?priority=urgent&subject=project%20x" },
    };

    /// <summary>"The URIs within each of the following sets are not equivalent" — RFC 3261 §19.1.4.</summary>
    public static TheoryData<string, string> RfcNotEquivalent() => new()
    {
        { "SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP" },
        { "sip:bob@biloxi.com", "sip:bob@biloxi.com:5060" },
        { "sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp" },
        { "sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp" },
        { "sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting" },
        { "sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4" },
    };

    [Theory]
    [MemberData(nameof(RfcEquivalent))]
    public void RfcExamples_Equivalent(string a, string b)
    {
        Assert.True(SipUri.Parse(a).EquivalentTo(SipUri.Parse(b)));
        Assert.True(SipUri.Parse(b).EquivalentTo(SipUri.Parse(a)));
        Assert.True(SipUri.Parse(a).EquivalentTo(SipUri.Parse(a)));
    }

    [Theory]
    [MemberData(nameof(RfcNotEquivalent))]
    public void RfcExamples_NotEquivalent(string a, string b)
    {
        Assert.False(SipUri.Parse(a).EquivalentTo(SipUri.Parse(b)));
        Assert.False(SipUri.Parse(b).EquivalentTo(SipUri.Parse(a)));
    }

    [Theory]
    [InlineData("sip:alice@atlanta.com", "sips:alice@atlanta.com")]
    [InlineData("sip:alice@atlanta.com", "sip:Alice@atlanta.com")]
    [InlineData("sip:alice:one@atlanta.com", "sip:alice:two@atlanta.com")]
    [InlineData("sip:alice:one@atlanta.com", "sip:alice@atlanta.com")]
    [InlineData("sip:alice@atlanta.com", "sip:atlanta.com")]
    [InlineData("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;newparam=6")]
    [InlineData("sip:carol@chicago.com;lr", "sip:carol@chicago.com;lr=on")]
    [InlineData("sip:carol@chicago.com;maddr=239.255.255.1", "sip:carol@chicago.com")]
    [InlineData("sip:carol@chicago.com;ttl=15", "sip:carol@chicago.com")]
    [InlineData("sip:carol@chicago.com;method=INVITE", "sip:carol@chicago.com")]
    [InlineData("sip:+1555@gw.example.com;user=phone", "sip:+1555@gw.example.com")]
    [InlineData("sip:carol@chicago.com?Subject=next%20meeting", "sip:carol@chicago.com?Subject=another%20meeting")]
    [InlineData("sip:carol@chicago.com?a=1&a=1", "sip:carol@chicago.com?a=1&b=2")]
    [InlineData("sip:[2001:db8::1]", "sip:[2001:db8::1]:5060")]
    [InlineData("tel:+1-201-555-0123", "tel:+1-201-555-0124")]
    [InlineData("mailto:a@example.com", "mailto:A@example.com")]
    [InlineData("mailto:a@example.com", "http:a@example.com")]
    public void NotEquivalent(string a, string b)
    {
        Assert.False(SipUri.Parse(a).EquivalentTo(SipUri.Parse(b)));
        Assert.False(SipUri.Parse(b).EquivalentTo(SipUri.Parse(a)));
    }

    [Theory]
    [InlineData("sip:carol@chicago.com;lr", "sip:carol@chicago.com")]
    [InlineData("sip:carol@chicago.com;maddr=239.255.255.1", "sip:carol@CHICAGO.com;MADDR=239.255.255.1")]
    [InlineData("sip:carol@chicago.com?SUBJECT=hi", "sip:carol@chicago.com?subject=hi")]
    [InlineData("sip:carol@chicago.com?subject=%61b", "sip:carol@chicago.com?subject=ab")]
    [InlineData("sip:%61lice@atlanta.com", "sip:alice@atlanta.com")]
    [InlineData("sip:[2001:DB8::1]:5070", "sip:[2001:db8::1]:5070")]
    public void Equivalent(string a, string b)
    {
        Assert.True(SipUri.Parse(a).EquivalentTo(SipUri.Parse(b)));
        Assert.True(SipUri.Parse(b).EquivalentTo(SipUri.Parse(a)));
    }

    [Theory]
    [InlineData("sip:Alice@Example.COM:5070;transport=tcp?subject=x", "sip:Alice@example.com")]
    [InlineData("sips:bob@BILOXI.com;lr", "sips:bob@biloxi.com")]
    [InlineData("sip:[2001:DB8::1]:5070", "sip:[2001:db8::1]")]
    [InlineData("sip:%61lice@atlanta.com", "sip:alice@atlanta.com")]
    [InlineData("sip:alice:secret@atlanta.com", "sip:alice@atlanta.com")]
    [InlineData("sip:Example.COM:5060", "sip:example.com")]
    [InlineData("tel:+1-201-555-0123;phone-context=example.com", "tel:+1-201-555-0123")]
    [InlineData("mailto:Alice@Example.com", "mailto:Alice@Example.com")]
    public void ToAor_LowerCasesHostAndDropsPortParametersHeaders(string text, string aor)
    {
        Assert.Equal(aor, SipUri.Parse(text).ToAor());
    }

    [Theory]
    [InlineData("sip:carol%0d%0aX-Injected%3a%201@example.com", "sip:carol%0D%0AX-Injected%3A%201@example.com")]
    [InlineData("sip:carol%3e;tag=x@example.com", "sip:carol%3E;tag=x@example.com")]
    [InlineData("sip:a%3Bb@example.com", "sip:a%3Bb@example.com")]
    [InlineData("sip:%41%2d%5f%2e%21%7e%2a%27%28%29@example.com", "sip:A-_.!~*'()@example.com")]
    [InlineData("sip:j%C3%B6rg@example.com", "sip:j%C3%B6rg@example.com")]
    public void ToAor_UnescapesOnlyUnreservedCharacters(string text, string aor)
    {
        // RFC 3261 §19.1.4: an escaped unreserved character is the character; anything else stays escaped, so an
        // AOR written into a header field can never carry a line break, a '>' or a quote.
        Assert.Equal(aor, SipUri.Parse(text).ToAor());
    }
}
