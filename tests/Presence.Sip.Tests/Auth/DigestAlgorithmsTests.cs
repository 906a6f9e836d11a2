using Presence.Sip.Auth;

namespace Presence.Sip.Tests.Auth;

public sealed class DigestAlgorithmsTests
{
    [Theory]
    [InlineData("MD5", DigestAlgorithm.Md5)]
    [InlineData("md5", DigestAlgorithm.Md5)]
    [InlineData("SHA-256", DigestAlgorithm.Sha256)]
    [InlineData("sha-256", DigestAlgorithm.Sha256)]
    [InlineData(null, DigestAlgorithm.Md5)] // RFC 7616 §3.3: absent means MD5.
    public void Parses_tokens_case_insensitively(string? token, DigestAlgorithm expected)
    {
        Assert.True(DigestAlgorithms.TryParse(token, out DigestAlgorithm parsed));
        Assert.Equal(expected, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("MD5-sess")]
    [InlineData("SHA-256-sess")]
    [InlineData("SHA-512-256")]
    [InlineData("SHA256")]
    public void Rejects_unsupported_tokens(string token) =>
        Assert.False(DigestAlgorithms.TryParse(token, out _));

    [Fact]
    public void Maps_to_wire_tokens_and_sizes()
    {
        Assert.Equal("MD5", DigestAlgorithm.Md5.ToToken());
        Assert.Equal("SHA-256", DigestAlgorithm.Sha256.ToToken());
        Assert.Equal(16, DigestAlgorithm.Md5.GetHashSize());
        Assert.Equal(64, DigestAlgorithm.Sha256.GetHexLength());
        Assert.Throws<ArgumentOutOfRangeException>(() => ((DigestAlgorithm)7).ToToken());
    }
}
