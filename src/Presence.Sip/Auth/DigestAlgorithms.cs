namespace Presence.Sip.Auth;

/// <summary>Maps <see cref="DigestAlgorithm"/> to and from its wire token and hash size.</summary>
public static class DigestAlgorithms
{
    /// <summary>Wire token for MD5 (RFC 7616 §3.3 "algorithm").</summary>
    public const string Md5Token = "MD5";

    /// <summary>Wire token for SHA-256 (RFC 7616 §3.3 "algorithm").</summary>
    public const string Sha256Token = "SHA-256";

    /// <summary>The token written in challenges, e.g. <c>SHA-256</c>.</summary>
    public static string ToToken(this DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Md5 => Md5Token,
        DigestAlgorithm.Sha256 => Sha256Token,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown digest algorithm"),
    };

    /// <summary>
    /// Parses an <c>algorithm</c> token. Matching is case-insensitive because RFC 7616 §3.3 and
    /// RFC 3261 §25.1 define the values as tokens, and deployed UAs send "md5" as well as "MD5".
    /// An absent (null) token means MD5: RFC 7616 §3.3 "If this is not present, it is assumed to
    /// be MD5".
    /// </summary>
    public static bool TryParse(string? token, out DigestAlgorithm algorithm)
    {
        if (token is null || token.Equals(Md5Token, StringComparison.OrdinalIgnoreCase))
        {
            algorithm = DigestAlgorithm.Md5;
            return true;
        }

        if (token.Equals(Sha256Token, StringComparison.OrdinalIgnoreCase))
        {
            algorithm = DigestAlgorithm.Sha256;
            return true;
        }

        algorithm = default;
        return false;
    }

    /// <summary>Length of the raw digest in bytes (16 for MD5, 32 for SHA-256).</summary>
    public static int GetHashSize(this DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Md5 => 16,
        DigestAlgorithm.Sha256 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown digest algorithm"),
    };

    /// <summary>Length of the lower-case hex form used for HA1 and the response (RFC 7616 §3.4.1: two hex digits per byte).</summary>
    public static int GetHexLength(this DigestAlgorithm algorithm) => algorithm.GetHashSize() * 2;

    /// <summary>True for the values this build implements (guards against casts of arbitrary ints).</summary>
    public static bool IsDefined(this DigestAlgorithm algorithm) =>
        algorithm is DigestAlgorithm.Md5 or DigestAlgorithm.Sha256;
}
