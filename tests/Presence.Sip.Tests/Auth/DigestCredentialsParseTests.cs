using Presence.Sip.Auth;

namespace Presence.Sip.Tests.Auth;

public sealed class DigestCredentialsParseTests
{
    // RFC 7616 §3.9.1 Authorization values, with the RFC's own line folding (CRLF + indentation).
    private const string Rfc7616Md5 =
        "Digest username=\"Mufasa\",\r\n" +
        "    realm=\"http-auth@example.org\",\r\n" +
        "    uri=\"/dir/index.html\",\r\n" +
        "    algorithm=MD5,\r\n" +
        "    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n" +
        "    nc=00000001,\r\n" +
        "    cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n" +
        "    qop=auth,\r\n" +
        "    response=\"8ca523f5e9506fed4657c9700eebdbec\",\r\n" +
        "    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

    private const string Rfc7616Sha256 =
        "Digest username=\"Mufasa\",\r\n" +
        "    realm=\"http-auth@example.org\",\r\n" +
        "    uri=\"/dir/index.html\",\r\n" +
        "    algorithm=SHA-256,\r\n" +
        "    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n" +
        "    nc=00000001,\r\n" +
        "    cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n" +
        "    qop=auth,\r\n" +
        "    response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\",\r\n" +
        "    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

    // RFC 3261 §22.4/§25 style SIP example (no algorithm parameter).
    private const string Rfc3261Example =
        "Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", " +
        "uri=\"sip:bob@biloxi.com\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", " +
        "response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

    private const string Minimal = "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"abc\"";

    [Fact]
    public void Parses_rfc7616_md5_example()
    {
        DigestCredentials c = Parse(Rfc7616Md5);

        Assert.Equal("Digest", c.Scheme);
        Assert.Equal("Mufasa", c.Username);
        Assert.Equal("http-auth@example.org", c.Realm);
        Assert.Equal("/dir/index.html", c.Uri);
        Assert.Equal("MD5", c.AlgorithmToken);
        Assert.Equal(DigestAlgorithm.Md5, c.Algorithm);
        Assert.Equal("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", c.Nonce);
        Assert.Equal("00000001", c.NonceCount);
        Assert.Equal(1u, c.NonceCountValue);
        Assert.Equal("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", c.Cnonce);
        Assert.Equal("auth", c.Qop);
        Assert.Equal("8ca523f5e9506fed4657c9700eebdbec", c.Response);
        Assert.Equal("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", c.Opaque);
        Assert.False(c.UserHash);
    }

    [Fact]
    public void Parses_rfc7616_sha256_example_and_its_response_verifies()
    {
        DigestCredentials c = Parse(Rfc7616Sha256);
        Assert.Equal(DigestAlgorithm.Sha256, c.Algorithm);

        string ha1 = DigestHash.ComputeHa1(DigestAlgorithm.Sha256, c.Username, c.Realm, "Circle of Life");
        Assert.Equal(c.Response, DigestHash.ComputeResponse(
            DigestAlgorithm.Sha256, ha1, c.Nonce, c.NonceCount, c.Cnonce, c.Qop, "GET", c.Uri));
    }

    [Fact]
    public void Parses_rfc3261_example_with_default_algorithm()
    {
        DigestCredentials c = Parse(Rfc3261Example);

        Assert.Equal("bob", c.Username);
        Assert.Equal("sip:bob@biloxi.com", c.Uri);
        Assert.Null(c.AlgorithmToken);
        Assert.Equal(DigestAlgorithm.Md5, c.Algorithm);
        Assert.Equal("5ccc069c403ebaf9f0171e9517f40e41", c.Opaque);
    }

    [Fact]
    public void Unescapes_quoted_pairs()
    {
        DigestCredentials c = Parse(
            "Digest username=\"Mu\\\"fa\\\\sa\", realm=\"a\\b\", nonce=\"n\", uri=\"sip:r\", response=\"abc\"");

        Assert.Equal("Mu\"fa\\sa", c.Username);
        Assert.Equal("ab", c.Realm); // "\b" is just an escaped 'b'.
    }

    [Fact]
    public void Commas_and_equals_inside_quoted_strings_are_data()
    {
        DigestCredentials c = Parse(
            "Digest username=\"a,b=c\", realm=\"x, y\", nonce=\"n,,\", uri=\"sip:u@h;p=1,2\", response=\"abc\"");

        Assert.Equal("a,b=c", c.Username);
        Assert.Equal("x, y", c.Realm);
        Assert.Equal("n,,", c.Nonce);
        Assert.Equal("sip:u@h;p=1,2", c.Uri);
    }

    [Fact]
    public void Whitespace_around_equals_and_commas_is_allowed()
    {
        DigestCredentials c = Parse(
            "  Digest \t username = \"u\" ,realm=\t\"r\"  ,  nonce =n , uri= \"sip:r\",response=\"abc\" , qop = auth ,nc= 0000000A, cnonce = \"c\"  ");

        Assert.Equal("u", c.Username);
        Assert.Equal("r", c.Realm);
        Assert.Equal("n", c.Nonce);
        Assert.Equal("0000000A", c.NonceCount);
        Assert.Equal(10u, c.NonceCountValue);
    }

    [Fact]
    public void Line_folding_is_whitespace_and_is_unfolded_inside_quoted_strings()
    {
        DigestCredentials c = Parse(
            "Digest\r\n username=\"u\"\r\n\t,\r\n realm\r\n =\r\n \"first\r\n  second\", nonce=\"n\",\n uri=\"sip:r\", response=\"abc\"");

        Assert.Equal("u", c.Username);
        Assert.Equal("first  second", c.Realm);
    }

    [Theory]
    [InlineData("Digest username=\"u\",\r\nrealm=\"r\"", "invalid")] // CRLF not followed by whitespace
    [InlineData("Digest username=\"u\r\nx\", realm=\"r\"", "line break inside quoted string")]
    [InlineData("Digest username=\"u\rx\"", "line break inside quoted string")]
    public void Unfolded_line_breaks_are_rejected(string value, string reasonFragment)
    {
        Assert.False(DigestCredentials.TryParse(value, out _, out string error));
        Assert.NotEmpty(error);
        if (reasonFragment != "invalid")
        {
            Assert.Contains(reasonFragment, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Scheme_and_parameter_names_are_case_insensitive()
    {
        DigestCredentials c = Parse("dIGEST USERNAME=\"u\", Realm=\"r\", NONCE=\"n\", Uri=\"sip:r\", RESPONSE=\"abc\", ALGORITHM=sha-256");

        Assert.Equal("dIGEST", c.Scheme);
        Assert.Equal(DigestAlgorithm.Sha256, c.Algorithm);
    }

    [Fact]
    public void Unknown_parameters_are_ignored_and_token_or_quoted_forms_accepted()
    {
        DigestCredentials c = Parse(
            "Digest foo=bar, username=\"u\", x-ext=\"quoted, with comma\", realm=\"r\", nonce=n, uri=\"sip:r\", " +
            "response=abc, qop=\"auth\", nc=\"00000001\", cnonce=c, algorithm=\"MD5\", auth-param=1");

        Assert.Equal("n", c.Nonce);
        Assert.Equal("abc", c.Response);
        Assert.Equal("auth", c.Qop);
        Assert.Equal("00000001", c.NonceCount);
        Assert.Equal("c", c.Cnonce);
        Assert.Equal(DigestAlgorithm.Md5, c.Algorithm);
    }

    [Fact]
    public void Empty_list_elements_are_tolerated()
    {
        DigestCredentials c = Parse("Digest , username=\"u\",, realm=\"r\", ,nonce=\"n\", uri=\"sip:r\", response=\"abc\",");
        Assert.Equal("u", c.Username);
    }

    [Theory]
    [InlineData("Digest username=\"u\", realm=\"r\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"abc\"")]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"abc\", REALM=\"other\"")]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"abc\", foo=1, Foo=2")]
    public void Duplicate_parameters_are_rejected(string value)
    {
        Assert.False(DigestCredentials.TryParse(value, out DigestCredentials? c, out string error));
        Assert.Null(c);
        Assert.StartsWith("duplicate parameter", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("username")]
    [InlineData("realm")]
    [InlineData("nonce")]
    [InlineData("uri")]
    [InlineData("response")]
    public void Missing_required_parameter_is_named(string name)
    {
        var all = new Dictionary<string, string>
        {
            ["username"] = "\"u\"", ["realm"] = "\"r\"", ["nonce"] = "\"n\"", ["uri"] = "\"sip:r\"", ["response"] = "\"abc\"",
        };
        all.Remove(name);
        string value = "Digest " + string.Join(", ", all.Select(kv => kv.Key + "=" + kv.Value));

        Assert.False(DigestCredentials.TryParse(value, out _, out string error));
        Assert.Equal("missing " + name, error);
    }

    [Theory]
    [InlineData(", qop=auth, nc=00000001", "missing cnonce (required with qop)")]
    [InlineData(", qop=auth, cnonce=\"c\"", "missing nc (required with qop)")]
    [InlineData(", qop=auth, cnonce=\"c\", nc=1", "nc must be 8 hex digits")]
    [InlineData(", qop=auth, cnonce=\"c\", nc=0000000g", "nc must be 8 hex digits")]
    [InlineData(", qop=auth, cnonce=\"\", nc=00000001", "empty cnonce")]
    [InlineData(", userhash=maybe", "userhash must be true or false")]
    public void Qop_and_related_parameters_are_validated(string suffix, string expectedError)
    {
        Assert.False(DigestCredentials.TryParse(Minimal + suffix, out _, out string error));
        Assert.Equal(expectedError, error);
    }

    [Theory]
    [InlineData("Digest username=\"\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"abc\"", "empty username")]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"\", uri=\"sip:r\", response=\"abc\"", "empty nonce")]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"\", response=\"abc\"", "empty uri")]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"\"", "empty response")]
    public void Empty_required_values_are_rejected(string value, string expectedError)
    {
        Assert.False(DigestCredentials.TryParse(value, out _, out string error));
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void Unsupported_algorithm_token_is_kept_but_not_resolved()
    {
        DigestCredentials c = Parse(Minimal + ", algorithm=SHA-512-256");

        Assert.Equal("SHA-512-256", c.AlgorithmToken);
        Assert.Null(c.Algorithm);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    [InlineData("\"true\"", true)]
    public void Userhash_flag(string value, bool expected) =>
        Assert.Equal(expected, Parse(Minimal + ", userhash=" + value).UserHash);

    [Fact]
    public void Extended_username_is_decoded()
    {
        // RFC 7616 §3.4.4 / RFC 8187 ext-value.
        DigestCredentials c = Parse(
            "Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"abc\"");

        Assert.Equal("Jäsøn Doe", c.Username);
    }

    [Theory]
    [InlineData("username*=UTF-8''a, username=\"a\"", "both username and username* present")]
    [InlineData("username*=KOI8-R''a", "username* uses an unsupported charset")]
    [InlineData("username*=UTF-8''%C3", "username* is not valid UTF-8")]
    [InlineData("username*=UTF-8''%0D%0A", "username* contains a control character")]
    [InlineData("username*=UTF-8''%4", "username* has a malformed percent-encoding")]
    [InlineData("username*=abc", "username* is not an RFC 8187 ext-value")]
    public void Bad_extended_username_is_rejected(string usernamePart, string expectedError)
    {
        string value = "Digest " + usernamePart + ", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"abc\"";
        Assert.False(DigestCredentials.TryParse(value, out _, out string error));
        Assert.Equal(expectedError, error);
    }

    [Theory]
    [InlineData(null, "empty header value")]
    [InlineData("", "empty header value")]
    [InlineData("   \t ", "empty header value")]
    [InlineData("Digest", "missing username")]
    [InlineData("Digest   ", "missing username")]
    [InlineData("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "auth scheme is not Digest")]
    [InlineData("Digestusername=\"u\"", "expected whitespace after auth scheme, found '='")]
    [InlineData("Digest username=\"u", "unterminated quoted string")]
    [InlineData("Digest username=\"u\\", "unterminated quoted string")]
    [InlineData("Digest username", "expected '=' after username")]
    [InlineData("Digest username=", "missing value for username")]
    [InlineData("Digest username=\"u\" realm=\"r\"", "expected ',' after username, found 'r'")]
    [InlineData("Digest =\"u\"", "expected parameter name, found '='")]
    [InlineData("Digest username=@", "invalid value for username: unexpected '@'")]
    [InlineData("\"Digest\"", "missing auth scheme, found '\"'")]
    public void Garbage_is_rejected_with_a_reason(string? value, string expectedError)
    {
        Assert.False(DigestCredentials.TryParse(value, out DigestCredentials? c, out string error));
        Assert.Null(c);
        Assert.Equal(expectedError, error);
    }

    [Theory]
    [InlineData("Digest username=\"a\0b\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"abc\"", "control character 0x00 inside quoted string")]
    [InlineData("Digest username=\"a\\\0b\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"abc\"", "invalid quoted-pair (control character 0x00)")]
    [InlineData("Digest username=a\0, realm=\"r\"", "expected ',' after username, found control character 0x00")]
    [InlineData("\0Digest", "missing auth scheme, found control character 0x00")]
    [InlineData("Digest username=\"a\u007Fb\"", "control character 0x7F inside quoted string")]
    public void Nul_and_control_characters_are_rejected(string value, string expectedError)
    {
        Assert.False(DigestCredentials.TryParse(value, out _, out string error));
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void Non_ascii_quoted_text_is_accepted()
    {
        DigestCredentials c = Parse("Digest username=\"żółw 名前\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"abc\"");
        Assert.Equal("żółw 名前", c.Username);
    }

    [Fact]
    public void A_100_kb_value_is_refused_without_throwing()
    {
        string huge = "Digest username=\"" + new string('a', 100 * 1024) + "\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"abc\"";
        Assert.False(DigestCredentials.TryParse(huge, out _, out string error));
        Assert.Equal("header value too long", error);

        string manyParams = "Digest " + string.Join(", ", Enumerable.Range(0, 10_000).Select(i => $"p{i}=v"));
        Assert.False(DigestCredentials.TryParse(manyParams, out _, out error));
        Assert.Equal("header value too long", error);
    }

    [Fact]
    public void Values_near_the_length_limit_still_parse_and_parameter_count_is_bounded()
    {
        string longUri = "sip:" + new string('a', 12 * 1024) + "@example.com";
        DigestCredentials c = Parse($"Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"{longUri}\", response=\"abc\"");
        Assert.Equal(longUri, c.Uri);

        string manyParams = Minimal + string.Concat(Enumerable.Range(0, 100).Select(i => $", x{i}=1"));
        Assert.False(DigestCredentials.TryParse(manyParams, out _, out string error));
        Assert.Equal("too many parameters", error);
    }

    private static DigestCredentials Parse(string value)
    {
        Assert.True(DigestCredentials.TryParse(value, out DigestCredentials? credentials, out string error), error);
        Assert.Equal("", error);
        return credentials;
    }
}
