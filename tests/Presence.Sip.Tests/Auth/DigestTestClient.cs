using System.Text;
using Presence.Sip.Auth;

namespace Presence.Sip.Tests.Auth;

/// <summary>
/// A minimal UAC side for end-to-end tests: reads a challenge and answers it, computing the
/// response with <see cref="DigestHash"/>.
/// </summary>
internal static class DigestTestClient
{
    public static Dictionary<string, string> ParseChallenge(string challenge)
    {
        Assert.True(AuthParamParser.TryParse(challenge, out string scheme, out var parameters, out string error), error);
        Assert.Equal("Digest", scheme);
        return parameters.ToDictionary(p => p.Name, p => p.Value, StringComparer.OrdinalIgnoreCase);
    }

    public static string Answer(
        string challenge,
        string username,
        string password,
        string method,
        string uri,
        string? qop = "auth",
        string nc = "00000001",
        string cnonce = "0a4f113b",
        string? realmOverride = null,
        string? algorithmOverride = null,
        bool userHash = false)
    {
        Dictionary<string, string> c = ParseChallenge(challenge);
        string realm = realmOverride ?? c["realm"];
        string algorithmToken = algorithmOverride ?? c["algorithm"];
        Assert.True(DigestAlgorithms.TryParse(algorithmToken, out DigestAlgorithm algorithm));

        string ha1 = DigestHash.ComputeHa1(algorithm, username, realm, password);
        string response = DigestHash.ComputeResponse(
            algorithm, ha1, c["nonce"], qop is null ? null : nc, qop is null ? null : cnonce, qop, method, uri);
        string sentName = userHash ? DigestHash.ComputeUserHash(algorithm, username, realm) : username;
        return Build(sentName, realm, c["nonce"], uri, response, algorithmToken, qop, nc, cnonce, userHash);
    }

    public static string Build(
        string username,
        string realm,
        string nonce,
        string uri,
        string response,
        string? algorithm,
        string? qop,
        string nc,
        string cnonce,
        bool userHash = false)
    {
        var sb = new StringBuilder("Digest ");
        sb.Append("username=").Append(Quote(username));
        sb.Append(", realm=").Append(Quote(realm));
        sb.Append(", nonce=").Append(Quote(nonce));
        sb.Append(", uri=").Append(Quote(uri));
        sb.Append(", response=").Append(Quote(response));
        if (algorithm is not null)
        {
            sb.Append(", algorithm=").Append(algorithm);
        }

        if (qop is not null)
        {
            sb.Append(", qop=").Append(qop).Append(", nc=").Append(nc).Append(", cnonce=").Append(Quote(cnonce));
        }

        if (userHash)
        {
            sb.Append(", userhash=true");
        }

        return sb.ToString();
    }

    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
