using Presence.Sip.Headers;
using Presence.Sip.Message;
using Presence.Sip.Tests.Message;

namespace Presence.Sip.Tests.Headers;

/// <summary><see cref="ContactHeader"/>: lists, the "*" wildcard (RFC 3261 §10.2.2), expires and q (§20.10).</summary>
public sealed class ContactHeaderTests
{
    private static ContactHeader Parse(params string[] fields)
    {
        Assert.True(ContactHeader.TryParse(fields, out ContactHeader? header, out string error), error);
        return header!;
    }

    [Fact]
    public void CommaListInOneField()
    {
        ContactHeader h = Parse("<sip:a@192.0.2.1>;expires=60;q=0.5, \"Bob\" <sip:b@192.0.2.2>;q=1 ,sip:c@192.0.2.3;expires=30");

        Assert.False(h.IsWildcard);
        Assert.Equal(3, h.Contacts.Count);
        Assert.Equal("192.0.2.1", h.Contacts[0].Uri.Host);
        Assert.Equal(60, ContactHeader.ExpiresOf(h.Contacts[0]));
        Assert.Equal(0.5, ContactHeader.QOf(h.Contacts[0]));
        Assert.Equal("Bob", h.Contacts[1].DisplayName);
        Assert.Equal(1.0, ContactHeader.QOf(h.Contacts[1]));
        Assert.Null(ContactHeader.ExpiresOf(h.Contacts[1]));
        Assert.Equal(30, ContactHeader.ExpiresOf(h.Contacts[2]));
        Assert.Equal(0, h.Contacts[2].Uri.Parameters.Count);
    }

    [Fact]
    public void SeveralFieldsAreOneList()
    {
        ContactHeader h = Parse("<sip:a@192.0.2.1>", "<sip:b@192.0.2.2>, <sip:c@192.0.2.3>");

        Assert.Equal(["a", "b", "c"], h.Contacts.Select(c => c.Uri.User));
    }

    [Fact]
    public void CommasInsideQuotesAndBrackets()
    {
        ContactHeader h = Parse("\"Smith, John\" <sip:john@example.com?h=a,b>, <sip:k@example.com>");

        Assert.Equal(2, h.Contacts.Count);
        Assert.Equal("Smith, John", h.Contacts[0].DisplayName);
        Assert.Equal([new KeyValuePair<string, string>("h", "a,b")], h.Contacts[0].Uri.Headers);
        Assert.Equal("k", h.Contacts[1].Uri.User);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("  *\t")]
    public void Wildcard(string field)
    {
        ContactHeader h = Parse(field);

        Assert.True(h.IsWildcard);
        Assert.Empty(h.Contacts);
        Assert.Same(ContactHeader.Wildcard, h);
        Assert.Equal("*", h.ToString());
    }

    [Fact]
    public void WildcardMixedWithAddressInAnotherField_IsRejected()
    {
        Assert.False(ContactHeader.TryParse(["*", "<sip:a@192.0.2.1>"], out ContactHeader? h, out string error));
        Assert.Null(h);
        Assert.Equal("Contact '*' mixed with addresses", error);
        Assert.False(ContactHeader.TryParse(["<sip:a@192.0.2.1>", "*"], out _, out error));
        Assert.Equal("Contact '*' mixed with addresses", error);
    }

    [Fact]
    public void WildcardInsideAListField_IsRejected()
    {
        Assert.False(ContactHeader.TryParse(["*, <sip:a@192.0.2.1>"], out _, out string error));
        Assert.Equal("malformed Contact: missing URI scheme", error);
    }

    [Theory]
    [InlineData("<sip:a@192.0.2.1>,", "malformed Contact: missing URI")]
    [InlineData("<sip:a@192.0.2.1> <sip:b@192.0.2.2>", "malformed Contact: unexpected text after address")]
    [InlineData("<sip:a@192.0.2.1>;expires=1;expires=2", "malformed Contact: duplicate parameter 'expires'")]
    [InlineData("<sip:a@192.0.2.1", "malformed Contact: missing '>'")]
    [InlineData("", "malformed Contact: missing URI")]
    public void MalformedLists(string field, string expectedError)
    {
        Assert.False(ContactHeader.TryParse([field], out ContactHeader? h, out string error));
        Assert.Null(h);
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void NoFields_IsAnEmptyList()
    {
        ContactHeader h = Parse();

        Assert.False(h.IsWildcard);
        Assert.Empty(h.Contacts);
    }

    [Theory]
    [InlineData("3600", 3600)]
    [InlineData("0", 0)]
    [InlineData("4294967295", int.MaxValue)]
    [InlineData("abc", null)]
    [InlineData("-1", null)]
    [InlineData("+5", null)]
    [InlineData("4294967296", null)]
    public void ExpiresOf(string value, int? expected)
    {
        Assert.Equal(expected, ContactHeader.ExpiresOf(NameAddress.Parse("<sip:a@192.0.2.1>;expires=" + value)));
    }

    [Fact]
    public void ExpiresOf_AbsentOrFlagIsNull()
    {
        Assert.Null(ContactHeader.ExpiresOf(NameAddress.Parse("<sip:a@192.0.2.1>")));
        Assert.Null(ContactHeader.ExpiresOf(NameAddress.Parse("<sip:a@192.0.2.1>;expires")));
    }

    [Theory]
    [InlineData("0.5", 0.5)]
    [InlineData("1", 1.0)]
    [InlineData("1.000", 1.0)]
    [InlineData("0", 0.0)]
    [InlineData("0.001", 0.001)]
    [InlineData("1.5", null)]
    [InlineData("-0.1", null)]
    [InlineData("abc", null)]
    [InlineData("1e-1", null)]
    public void QOf(string value, double? expected)
    {
        Assert.Equal(expected, ContactHeader.QOf(NameAddress.Parse("<sip:a@192.0.2.1>;q=" + value)));
    }

    [Fact]
    public void FromAParsedRegister()
    {
        SipMessage register = SipText.ParseValid(SampleMessages.Register);

        Assert.True(ContactHeader.TryParse(register.GetFields(HeaderId.Contact), out ContactHeader? h, out _));

        NameAddress contact = Assert.Single(h!.Contacts);
        Assert.Equal("tcp", contact.Uri.Parameters["transport"]);
        Assert.Equal(7200, ContactHeader.ExpiresOf(contact));
        Assert.Equal(0.8, ContactHeader.QOf(contact));
    }

    [Fact]
    public void OfAndToString()
    {
        ContactHeader h = ContactHeader.Of(NameAddress.Parse("<sip:a@192.0.2.1>;expires=60"), NameAddress.Parse("Bob <sip:b@192.0.2.2>"));

        Assert.Equal("<sip:a@192.0.2.1>;expires=60, \"Bob\" <sip:b@192.0.2.2>", h.ToString());
    }
}
