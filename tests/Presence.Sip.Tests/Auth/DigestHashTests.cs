using System.Security.Cryptography;
using System.Text;
using Presence.Sip.Auth;

namespace Presence.Sip.Tests.Auth;

public sealed class DigestHashTests
{
    // RFC 7616 §3.9.1: user "Mufasa", password "Circle of Life" (lower-case "of", erratum 4495).
    private const string Rfc7616Realm = "http-auth@example.org";
    private const string Rfc7616Nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    private const string Rfc7616Cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    [Fact]
    public void Rfc7616_Md5_example_response()
    {
        string ha1 = DigestHash.ComputeHa1(DigestAlgorithm.Md5, "Mufasa", Rfc7616Realm, "Circle of Life");
        string response = DigestHash.ComputeResponse(
            DigestAlgorithm.Md5, ha1, Rfc7616Nonce, "00000001", Rfc7616Cnonce, "auth", "GET", "/dir/index.html");

        // The value printed in RFC 7616 §3.9.1 (ends "...eebdbec").
        Assert.Equal("8ca523f5e9506fed4657c9700eebdbec", response);
    }

    [Fact]
    public void Rfc7616_Sha256_example_response()
    {
        string ha1 = DigestHash.ComputeHa1(DigestAlgorithm.Sha256, "Mufasa", Rfc7616Realm, "Circle of Life");
        string response = DigestHash.ComputeResponse(
            DigestAlgorithm.Sha256, ha1, Rfc7616Nonce, "00000001", Rfc7616Cnonce, "auth", "GET", "/dir/index.html");

        Assert.Equal("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", response);
    }

    [Fact]
    public void Rfc2617_section_3_5_example_response()
    {
        // RFC 2617 §3.5 (also the response in RFC 3261's examples): password "Circle Of Life".
        string ha1 = DigestHash.ComputeHa1(DigestAlgorithm.Md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
        string response = DigestHash.ComputeResponse(
            DigestAlgorithm.Md5, ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth",
            "GET", "/dir/index.html");

        Assert.Equal("6629fae49393a05397450978507c4ef1", response);
    }

    [Fact]
    public void Rfc2069_form_without_qop()
    {
        // KD(HA1, nonce ":" HA2); value cross-checked with an independent implementation.
        string ha1 = DigestHash.ComputeHa1(DigestAlgorithm.Md5, "Mufasa", "testrealm@host.com", "CircleOfLife");
        string response = DigestHash.ComputeResponse(
            DigestAlgorithm.Md5, ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", null, null, null, "GET", "/dir/index.html");

        Assert.Equal("1949323746fe6a43ef61f9606e7febea", response);
    }

    [Theory]
    [InlineData(DigestAlgorithm.Md5)]
    [InlineData(DigestAlgorithm.Sha256)]
    public void Ha1_is_lowercase_hex_of_user_realm_password(DigestAlgorithm algorithm)
    {
        string ha1 = DigestHash.ComputeHa1(algorithm, "Mufasa", "testrealm@host.com", "Circle Of Life");

        Assert.Equal(Reference(algorithm, "Mufasa:testrealm@host.com:Circle Of Life"), ha1);
        Assert.Equal(algorithm.GetHexLength(), ha1.Length);
    }

    [Theory]
    [InlineData(DigestAlgorithm.Md5)]
    [InlineData(DigestAlgorithm.Sha256)]
    public void Long_and_non_ascii_inputs_match_a_naive_reference(DigestAlgorithm algorithm)
    {
        // Longer than the stack buffer, so the pooled-array path is exercised; UTF-8 throughout.
        string user = "Jäsøn " + new string('x', 3000) + " 名前";
        string realm = "réalm.example";
        string password = new('p', 1000);

        string ha1 = DigestHash.ComputeHa1(algorithm, user, realm, password);
        Assert.Equal(Reference(algorithm, $"{user}:{realm}:{password}"), ha1);

        string uri = "sip:" + new string('u', 2000) + "@example.com";
        string ha2 = Reference(algorithm, $"INVITE:{uri}");
        string expected = Reference(algorithm, $"{ha1}:nonce:0000002a:cn:auth:{ha2}");
        Assert.Equal(expected, DigestHash.ComputeResponse(algorithm, ha1, "nonce", "0000002a", "cn", "auth", "INVITE", uri));
    }

    [Fact]
    public void Upper_case_ha1_is_hashed_as_lower_case()
    {
        string ha1 = DigestHash.ComputeHa1(DigestAlgorithm.Sha256, "a", "r", "p");
        string lower = DigestHash.ComputeResponse(DigestAlgorithm.Sha256, ha1, "n", "00000001", "c", "auth", "REGISTER", "sip:r");
        string upper = DigestHash.ComputeResponse(
            DigestAlgorithm.Sha256, ha1.ToUpperInvariant(), "n", "00000001", "c", "auth", "REGISTER", "sip:r");

        Assert.Equal(lower, upper);
    }

    [Fact]
    public void User_hash_is_hash_of_user_and_realm()
    {
        Assert.Equal(
            Reference(DigestAlgorithm.Sha256, "Mufasa:http-auth@example.org"),
            DigestHash.ComputeUserHash(DigestAlgorithm.Sha256, "Mufasa", Rfc7616Realm));
        Assert.Equal(
            "a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6",
            DigestHash.ComputeUserHash(DigestAlgorithm.Sha256, "Mufasa", Rfc7616Realm));
    }

    [Fact]
    public void Invalid_arguments_are_rejected()
    {
        string ha1 = DigestHash.ComputeHa1(DigestAlgorithm.Md5, "a", "r", "p");

        Assert.Throws<ArgumentNullException>(() =>
            DigestHash.ComputeResponse(DigestAlgorithm.Md5, ha1, "n", null, "c", "auth", "INVITE", "sip:x"));
        Assert.Throws<ArgumentNullException>(() =>
            DigestHash.ComputeResponse(DigestAlgorithm.Md5, ha1, "n", "00000001", null, "auth", "INVITE", "sip:x"));
        Assert.Throws<ArgumentException>(() =>
            DigestHash.ComputeResponse(DigestAlgorithm.Md5, ha1, "n", "00000001", "c", "auth-int", "INVITE", "sip:x"));
        Assert.Throws<ArgumentException>(() =>
            DigestHash.ComputeResponse(DigestAlgorithm.Sha256, ha1, "n", "00000001", "c", "auth", "INVITE", "sip:x"));
        Assert.Throws<ArgumentException>(() =>
            DigestHash.ComputeResponse(DigestAlgorithm.Md5, new string('g', 32), "n", null, null, null, "INVITE", "sip:x"));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            DigestHash.ComputeHa1((DigestAlgorithm)42, "a", "r", "p"));
    }

    private static string Reference(DigestAlgorithm algorithm, string input)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(input);
#pragma warning disable CA5351 // MD5 is what the RFC vectors use.
        byte[] digest = algorithm == DigestAlgorithm.Md5 ? MD5.HashData(bytes) : SHA256.HashData(bytes);
#pragma warning restore CA5351
        return Convert.ToHexStringLower(digest);
    }
}
