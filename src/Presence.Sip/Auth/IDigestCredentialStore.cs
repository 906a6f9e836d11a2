namespace Presence.Sip.Auth;

/// <summary>
/// Source of stored credentials for <see cref="DigestAuthenticator"/>. Credentials are kept as
/// HA1 = H(username ":" realm ":" password) per algorithm (see
/// <see cref="DigestHash.ComputeHa1"/>), never as plain passwords: HA1 is all the verifier needs
/// (RFC 7616 §3.4.2), and a leaked HA1 is confined to one realm.
/// </summary>
public interface IDigestCredentialStore
{
    /// <summary>
    /// Returns the lower- or upper-case hex HA1 of <paramref name="username"/> in
    /// <paramref name="realm"/> for <paramref name="algorithm"/>, or null when the user is
    /// unknown or has no HA1 for that algorithm.
    /// </summary>
    string? FindHa1(string username, string realm, DigestAlgorithm algorithm);

    /// <summary>
    /// Maps a hashed user name (<c>userhash=true</c>, RFC 7616 §3.4.4: hex of
    /// H(username ":" realm)) back to the user name, or returns null when it matches nobody.
    /// Stores that do not index user hashes keep this default, which makes such requests
    /// fail as <see cref="DigestOutcome.UnknownUser"/>.
    /// </summary>
    string? FindUsernameByHash(string userHash, string realm, DigestAlgorithm algorithm) => null;
}
