using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Presence.Server.Presence;

namespace Presence.Server.Http;

/// <summary>What a bearer token lets its holder do.</summary>
public enum ApiScope
{
    /// <summary>No valid token.</summary>
    None,

    /// <summary>The integrator's token (Http:ReadToken): GET only.</summary>
    Read,

    /// <summary>The operator's token (Http:Token): everything.</summary>
    Operator,
}

/// <summary>
/// The API's bearer tokens: the operator's (configured, or generated once and kept beside the database) and,
/// when configured, a read-only one for integrators (a dashboard, a wallboard, a CRM showing who is available).
/// </summary>
public sealed class ApiToken
{
    private readonly byte[] _operator;
    private readonly byte[]? _read;

    public ApiToken(IOptions<HttpApiOptions> http, IOptions<PresenceHostOptions> presence, ILogger<ApiToken> logger)
    {
        string token = http.Value.Token;
        if (string.IsNullOrWhiteSpace(token))
        {
            string folder = Path.GetDirectoryName(Path.GetFullPath(presence.Value.DatabasePath))!;
            string path = Path.Combine(folder, "api-token");
            if (File.Exists(path))
            {
                token = File.ReadAllText(path).Trim();
            }
            else
            {
                Directory.CreateDirectory(folder);
                token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
                File.WriteAllText(path, token + "\n");
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            HttpLog.GeneratedToken(logger, path);
        }
        _operator = Digest(token.Trim());
        string read = http.Value.ReadToken.Trim();
        _read = read.Length == 0 ? null : Digest(read);
    }

    /// <summary>
    /// The scope of an Authorization header value ("Bearer …", RFC 6750 §2.1). Both tokens are always compared,
    /// in constant time and as SHA-256 digests (equal lengths), so the answer's timing tells nothing about either.
    /// </summary>
    public ApiScope ScopeOf(string? authorization)
    {
        const string prefix = "Bearer ";
        if (authorization is null || !authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            return ApiScope.None;
        return ScopeOfToken(authorization[prefix.Length..].Trim());
    }

    /// <summary>
    /// The scope of HTTP Basic credentials ("Basic base64(user:password)", RFC 7617) whose password is a token: what a
    /// browser sends to a page that cannot set a bearer header itself (Orleans' dashboard). The user name is ignored.
    /// </summary>
    public ApiScope ScopeOfBasic(string? authorization)
    {
        const string prefix = "Basic ";
        if (authorization is null || !authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            return ApiScope.None;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[prefix.Length..].Trim()));
        }
        catch (FormatException)
        {
            return ApiScope.None;
        }
        int colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? ApiScope.None : ScopeOfToken(decoded[(colon + 1)..]);
    }

    private ApiScope ScopeOfToken(string token)
    {
        byte[] given = Digest(token);
        bool isOperator = CryptographicOperations.FixedTimeEquals(given, _operator);
        // Without a read token the comparison still runs (against the operator's), and its result is ignored.
        bool isRead = _read is not null & CryptographicOperations.FixedTimeEquals(given, _read ?? _operator);
        return isOperator ? ApiScope.Operator : isRead ? ApiScope.Read : ApiScope.None;
    }

    /// <summary>True for the operator's token only.</summary>
    public bool Accepts(string? authorization) => ScopeOf(authorization) == ApiScope.Operator;

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
