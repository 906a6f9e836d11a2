using Presence.Sip.Auth;

namespace Presence.Sip.Tests.Auth;

public sealed class DigestChallengeTests
{
    [Fact]
    public void Renders_the_minimal_challenge()
    {
        var challenge = new DigestChallenge("biloxi.com", "abc123", DigestAlgorithm.Sha256);

        Assert.Equal(
            "Digest realm=\"biloxi.com\", nonce=\"abc123\", algorithm=SHA-256, qop=\"auth\"",
            challenge.ToHeaderValue());
        Assert.Equal(challenge.ToHeaderValue(), challenge.ToString());
    }

    [Fact]
    public void Renders_opaque_stale_and_userhash_when_set()
    {
        var challenge = new DigestChallenge("biloxi.com", "n", DigestAlgorithm.Md5, opaque: "5ccc069c", stale: true)
        {
            UserHash = true,
        };

        Assert.Equal(
            "Digest realm=\"biloxi.com\", nonce=\"n\", algorithm=MD5, qop=\"auth\", opaque=\"5ccc069c\", stale=true, userhash=true",
            challenge.ToHeaderValue());
    }

    [Fact]
    public void Stale_false_is_omitted()
    {
        string value = new DigestChallenge("r", "n", DigestAlgorithm.Md5, stale: false).ToHeaderValue();
        Assert.DoesNotContain("stale", value, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotes_and_backslashes_are_escaped_and_round_trip()
    {
        const string realm = "a \"quoted\" \\ realm, with comma";
        var challenge = new DigestChallenge(realm, "n\"\\", DigestAlgorithm.Sha256, opaque: "o\\\"");
        string value = challenge.ToHeaderValue();

        Assert.Contains("realm=\"a \\\"quoted\\\" \\\\ realm, with comma\"", value, StringComparison.Ordinal);

        Dictionary<string, string> parsed = DigestTestClient.ParseChallenge(value);
        Assert.Equal(realm, parsed["realm"]);
        Assert.Equal("n\"\\", parsed["nonce"]);
        Assert.Equal("o\\\"", parsed["opaque"]);
        Assert.Equal("SHA-256", parsed["algorithm"]);
        Assert.Equal("auth", parsed["qop"]);
    }

    [Theory]
    [InlineData("evil\r\nVia: x", "n", null)]
    [InlineData("r", "n\n", null)]
    [InlineData("r", "n", "o\0")]
    public void Control_characters_are_refused_to_prevent_header_injection(string realm, string nonce, string? opaque) =>
        Assert.Throws<ArgumentException>(() => new DigestChallenge(realm, nonce, DigestAlgorithm.Md5, opaque));

    [Fact]
    public void Empty_nonce_and_unknown_algorithm_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new DigestChallenge("r", "", DigestAlgorithm.Md5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DigestChallenge("r", "n", (DigestAlgorithm)9));
    }
}
