using Microsoft.Extensions.Options;
using Presence.Sip.Auth;

namespace Presence.Server.Accounts;

/// <summary>The "Auth" configuration section.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>What <see cref="Algorithms"/> is when not set: MD5 alone.</summary>
    public const string DefaultAlgorithms = "MD5";

    /// <summary>Digest authentication of REGISTER, PUBLISH and SUBSCRIBE (default on; SPEC.md "Who may see what").</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The digest algorithms a 401 offers, one challenge each, in this order (comma-separated: <c>MD5</c>,
    /// <c>SHA-256</c>). RFC 8760 §2.4 has the server list its challenges most preferred first and the client answer
    /// the first one it supports. Clients in the field do less: sipsak 0.9.8 reads only the first challenge, and
    /// baresip 1.0 (libre) gives up on a 401 that carries any challenge it cannot answer, even after an MD5 one; both
    /// know only MD5. So the default offers MD5 alone, which every client at hand answers; where every phone does
    /// SHA-256, <c>SHA-256,MD5</c> prefers it, and <c>SHA-256</c> offers nothing else.
    /// </summary>
    public string Algorithms { get; set; } = DefaultAlgorithms;

    /// <summary>How long a nonce is good for before the client is re-challenged with stale=true (default 5 minutes).</summary>
    public TimeSpan NonceLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The key nonces are signed with, base64 (at least 16 bytes). Empty: a random key per process, which
    /// is fine for one process; every silo of a cluster needs the same one.</summary>
    public string NonceSecret { get; set; } = string.Empty;

    /// <summary>Shortest password the API accepts (default 8).</summary>
    public int MinPasswordLength { get; set; } = 8;

    /// <summary>
    /// Addresses or networks (comma-separated, e.g. <c>10.0.0.5, 192.0.2.0/24</c>) whose requests are not challenged:
    /// a call proxy that PUBLISHes call state for its users (Kamailio's pua_dialoginfo carries no credentials). Default
    /// none. The address is the packet's source, so give only proxies on a network nobody else can send from.
    /// </summary>
    public string TrustedProxies { get; set; } = string.Empty;

    /// <summary><see cref="TrustedProxies"/> as networks; false with the reason when an entry is neither an address
    /// nor a network.</summary>
    public static bool TryParseTrusted(string? text, out IReadOnlyList<System.Net.IPNetwork> networks, out string? error)
    {
        var list = new List<System.Net.IPNetwork>();
        networks = list;
        error = null;
        foreach (string entry in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (System.Net.IPNetwork.TryParse(entry, out var network))
                list.Add(network);
            else if (System.Net.IPAddress.TryParse(entry, out var address))
                list.Add(new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else
            {
                error = $"Auth:TrustedProxies: '{entry}' is neither an IP address nor a network (address/prefix).";
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// <see cref="Algorithms"/> as a list, in order; false with the reason when it names an unknown algorithm, names
    /// one twice (RFC 8760: one challenge per algorithm and realm) or names none.
    /// </summary>
    public static bool TryParseAlgorithms(string? text, out IReadOnlyList<DigestAlgorithm> algorithms, out string? error)
    {
        var list = new List<DigestAlgorithm>();
        algorithms = list;
        error = null;
        foreach (string token in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!DigestAlgorithms.TryParse(token, out DigestAlgorithm algorithm))
            {
                error = $"Auth:Algorithms: '{token}' is not a digest algorithm this server has (MD5, SHA-256).";
                return false;
            }
            if (list.Contains(algorithm))
            {
                error = $"Auth:Algorithms names {algorithm.ToToken()} twice.";
                return false;
            }
            list.Add(algorithm);
        }
        if (list.Count == 0)
        {
            error = "Auth:Algorithms names no algorithm; give MD5, SHA-256 or both, most preferred first.";
            return false;
        }
        return true;
    }
}

/// <summary>Refuses an <see cref="AuthOptions"/> the server could not challenge with, naming the setting.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (!AuthOptions.TryParseAlgorithms(options.Algorithms, out _, out string? error))
            failures.Add(error!);
        if (!AuthOptions.TryParseTrusted(options.TrustedProxies, out _, out error))
            failures.Add(error!);
        if (options.NonceLifetime < TimeSpan.FromSeconds(1))
            failures.Add("Auth:NonceLifetime must be at least 1 s.");
        if (!string.IsNullOrEmpty(options.NonceSecret))
        {
            Span<byte> decoded = stackalloc byte[Math.Max(1, options.NonceSecret.Length)];
            if (!Convert.TryFromBase64String(options.NonceSecret, decoded, out int length))
                failures.Add("Auth:NonceSecret is not base64.");
            else if (length < DigestNonceIssuer.MinSecretLength)
                failures.Add($"Auth:NonceSecret must decode to at least {DigestNonceIssuer.MinSecretLength} bytes.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
