using Presence.Sip.Headers;

namespace Presence.Sip.Tests.Headers;

/// <summary><see cref="EventHeader"/> (RFC 6665 §8.2.1): package, templates, id and matching.</summary>
public sealed class EventHeaderTests
{
    private static EventHeader Parse(string text)
    {
        Assert.True(EventHeader.TryParse(text, out EventHeader? value, out string error), error);
        return value!;
    }

    [Fact]
    public void PackageOnly()
    {
        EventHeader e = Parse("presence");

        Assert.Equal("presence", e.Package);
        Assert.Null(e.Id);
        Assert.Equal(0, e.Parameters.Count);
    }

    [Fact]
    public void PackageWithTemplate()
    {
        Assert.Equal("presence.winfo", Parse("presence.winfo").Package);
    }

    [Fact]
    public void IdAndOtherParameters()
    {
        EventHeader e = Parse("dialog;id=1234;call-id=\"a@b\";include-session-description");

        Assert.Equal("dialog", e.Package);
        Assert.Equal("1234", e.Id);
        Assert.Equal("a@b", e.Parameters["call-id"]);
        Assert.True(e.Parameters.Contains("include-session-description"));
        Assert.Equal("dialog;id=1234;call-id=\"a@b\";include-session-description", e.ToString());
    }

    [Fact]
    public void WhiteSpaceAroundSeparators()
    {
        EventHeader e = Parse("  presence ; id = 5  ");

        Assert.Equal("presence", e.Package);
        Assert.Equal("5", e.Id);
    }

    [Theory]
    [InlineData("", "missing event package")]
    [InlineData(";id=1", "missing event package")]
    [InlineData("presence junk", "unexpected text in Event")]
    [InlineData("presence/xml", "unexpected text in Event")]
    [InlineData("presence;id=1;id=2", "duplicate parameter 'id'")]
    [InlineData("presence;id=", "empty value of parameter 'id'")]
    public void Rejected(string text, string expectedError)
    {
        Assert.False(EventHeader.TryParse(text, out EventHeader? value, out string error));
        Assert.Null(value);
        Assert.Equal(expectedError, error);
    }

    [Theory]
    [InlineData("presence", "presence", true)]
    [InlineData("presence", "PRESENCE", true)]
    [InlineData("presence;id=1", "presence;id=1", true)]
    [InlineData("presence;id=1;x=a", "presence;ID=1", true)]
    [InlineData("presence;id=1", "presence", false)]
    [InlineData("presence;id=a", "presence;id=A", false)]
    [InlineData("presence", "presence.winfo", false)]
    [InlineData("presence", "dialog", false)]
    public void Matches_TypeCaseInsensitiveIdExact(string a, string b, bool expected)
    {
        Assert.Equal(expected, Parse(a).Matches(Parse(b)));
        Assert.Equal(expected, Parse(b).Matches(Parse(a)));
    }

    [Fact]
    public void Constructor_ToString()
    {
        var p = new SipParameters();
        p.Set("id", "7");

        Assert.Equal("message-summary;id=7", new EventHeader("message-summary", p).ToString());
        Assert.Equal("presence", new EventHeader("presence").ToString());
    }
}
