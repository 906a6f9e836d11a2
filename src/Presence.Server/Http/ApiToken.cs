using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Presence.Server.Presence;

namespace Presence.Server.Http;

/// <summary>The API's bearer token: configured, or generated once and kept beside the database.</summary>
public sealed class ApiToken
{
    private readonly byte[] _token;

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
        _token = Encoding.UTF8.GetBytes(token.Trim());
    }

    /// <summary>Checks an Authorization header value ("Bearer …") in constant time.</summary>
    public bool Accepts(string? authorization)
    {
        const string prefix = "Bearer ";
        if (authorization is null || !authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            return false;
        byte[] given = Encoding.UTF8.GetBytes(authorization[prefix.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _token);
    }
}
