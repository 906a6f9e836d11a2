using Presence.Sip.Headers;

namespace Presence.Sip.Tests.Headers;

/// <summary><see cref="MediaType"/>: Content-Type and Accept values (RFC 3261 §20.15).</summary>
public sealed class MediaTypeTests
{
    private static MediaType Parse(string text)
    {
        Assert.True(MediaType.TryParse(text, out MediaType? value, out string error), error);
        return value!;
    }

    [Fact]
    public void TypeAndSubtype()
    {
        MediaType m = Parse("application/pidf+xml");

        Assert.Equal("application", m.Type);
        Assert.Equal("pidf+xml", m.Subtype);
        Assert.Equal("application/pidf+xml", m.Name);
        Assert.Equal(0, m.Parameters.Count);
    }

    [Fact]
    public void TypeLowerCasedParameterValueKept()
    {
        MediaType m = Parse("Application/PIDF+XML;Charset=UTF-8");

        Assert.Equal("application/pidf+xml", m.Name);
        Assert.Equal("UTF-8", m.Parameters["charset"]);
        Assert.Equal("application/pidf+xml;Charset=UTF-8", m.ToString());
    }

    [Fact]
    public void QuotedParameter()
    {
        // The multipart/related body of a resource list NOTIFY (RFC 4662 §5).
        MediaType m = Parse("multipart/related;type=\"application/rlmi+xml\";boundary=50UBfW7LSCVLtggUPe5z");

        Assert.Equal("multipart/related", m.Name);
        Assert.Equal("application/rlmi+xml", m.Parameters["type"]);
        Assert.Equal("50UBfW7LSCVLtggUPe5z", m.Parameters["boundary"]);
        Assert.Equal("multipart/related;type=\"application/rlmi+xml\";boundary=50UBfW7LSCVLtggUPe5z", m.ToString());
    }

    [Fact]
    public void WhiteSpaceAroundSeparators()
    {
        MediaType m = Parse(" text / plain ; charset = utf-8 ");

        Assert.Equal("text/plain", m.Name);
        Assert.Equal("utf-8", m.Parameters["charset"]);
    }

    [Theory]
    [InlineData("application/PIDF+xml", true)]
    [InlineData("application/pidf+xml;charset=x", false)]
    [InlineData("application/xpidf+xml", false)]
    public void Is_ComparesNameCaseInsensitively(string name, bool expected)
    {
        Assert.Equal(expected, Parse("application/pidf+xml;charset=UTF-8").Is(name));
    }

    [Theory]
    [InlineData("application", "malformed media type")]
    [InlineData("/xml", "malformed media type")]
    [InlineData("", "malformed media type")]
    [InlineData("application/", "malformed media subtype")]
    [InlineData("application/;x=1", "malformed media subtype")]
    [InlineData("application/xml junk", "unexpected text in media type")]
    [InlineData("application/xml, text/plain", "unexpected text in media type")]
    [InlineData("application/xml;charset=", "empty value of parameter 'charset'")]
    public void Rejected(string text, string expectedError)
    {
        Assert.False(MediaType.TryParse(text, out MediaType? value, out string error));
        Assert.Null(value);
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void FlagParameterIsAllowed()
    {
        // generic-param = token [ EQUAL gen-value ] (RFC 3261 §25.1).
        MediaType m = Parse("application/xml;charset");

        Assert.True(m.Parameters.Contains("charset"));
        Assert.Null(m.Parameters["charset"]);
    }
}
