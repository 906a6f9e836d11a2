using System.Text;
using Presence.Sip.Headers;

namespace Presence.Sip.Tests.Headers;

/// <summary><see cref="SipParameters"/>, <see cref="SipParameter"/> and <see cref="HeaderValueList"/>.</summary>
public sealed class SipParametersTests
{
    [Fact]
    public void NamesAreCaseInsensitiveOrderIsKept()
    {
        var p = new SipParameters();
        p.Set("Branch", "z9hG4bK1");
        p.Set("rport", null);
        p.Set("received", "192.0.2.1");

        p.Set("BRANCH", "z9hG4bK2");

        Assert.Equal(3, p.Count);
        Assert.True(p.Contains("branch"));
        Assert.Equal("z9hG4bK2", p["branch"]);
        Assert.Equal("Branch", p.Items[0].Name);
        Assert.Null(p["rport"]);
        Assert.True(p.Contains("RPORT"));
        Assert.Null(p["missing"]);
        Assert.False(p.Contains("missing"));
    }

    [Fact]
    public void RemoveAndClone()
    {
        var p = new SipParameters();
        p.Set("a", "1");
        p.Set("b", "2");
        SipParameters copy = p.Clone();

        Assert.True(p.Remove("A"));
        Assert.False(p.Remove("A"));
        copy.Set("c", "3");

        Assert.Equal(["b"], p.Items.Select(i => i.Name));
        Assert.Equal(["a", "b", "c"], copy.Items.Select(i => i.Name));
    }

    [Fact]
    public void AppendTo_WritesFlagsValuesAndQuotedValues()
    {
        var p = new SipParameters();
        p.Set("lr", null);
        p.Set("x", "1");
        p.Set("text", "say \"hi\" \\ bye", quoted: true);
        var b = new StringBuilder("<sip:a@b>");

        p.AppendTo(b);

        Assert.Equal("<sip:a@b>;lr;x=1;text=\"say \\\"hi\\\" \\\\ bye\"", b.ToString());
    }

    [Theory]
    [InlineData("a, b ,c", new[] { "a", "b", "c" })]
    [InlineData("", new string[0])]
    [InlineData(" , ,", new string[0])]
    [InlineData("single", new[] { "single" })]
    [InlineData("\"a,b\", c", new[] { "\"a,b\"", "c" })]
    [InlineData("\"a\\\",b\", c", new[] { "\"a\\\",b\"", "c" })]
    [InlineData("<sip:a@b;x=1,2>;q=1, <sip:c@d>", new[] { "<sip:a@b;x=1,2>;q=1", "<sip:c@d>" })]
    [InlineData("\"unterminated, x", new[] { "\"unterminated, x" })]
    [InlineData("a,\tb", new[] { "a", "b" })]
    public void HeaderValueList_SplitsOnTopLevelCommas(string value, string[] expected)
    {
        Assert.Equal(expected, HeaderValueList.Split(value));
    }

    [Fact]
    public void HeaderValueList_SingleItemIsTheSameString()
    {
        const string value = "presence";

        Assert.Same(value, Assert.Single(HeaderValueList.Split(value)));
    }
}
