namespace Presence.Server.Accounts;

/// <summary>The "Auth" configuration section.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>Digest authentication of REGISTER, PUBLISH and SUBSCRIBE (default on; SPEC.md "Who may see what").</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a nonce is good for before the client is re-challenged with stale=true (default 5 minutes).</summary>
    public TimeSpan NonceLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The key nonces are signed with, base64 (at least 16 bytes). Empty: a random key per process, which
    /// is fine for one process; every silo of a cluster needs the same one.</summary>
    public string NonceSecret { get; set; } = string.Empty;

    /// <summary>Shortest password the API accepts (default 8).</summary>
    public int MinPasswordLength { get; set; } = 8;
}
