namespace Presence.Sip.Auth;

/// <summary>
/// The digest hash algorithms this server implements (RFC 7616 and its IANA registry of
/// Digest hash algorithms, made available to SIP by RFC 8760).
/// </summary>
/// <remarks>
/// The "-sess" variants and SHA-512-256 are deliberately absent: "-sess" needs the cnonce
/// inside HA1, which defeats storing HA1 instead of the password, and SHA-512-256 is rare
/// among SIP user agents. A request naming them is answered with
/// <see cref="DigestOutcome.UnsupportedAlgorithm"/>.
/// </remarks>
public enum DigestAlgorithm
{
    /// <summary>"MD5" — the RFC 3261 §22.4 default, kept only for legacy user agents.</summary>
    Md5,

    /// <summary>"SHA-256" (RFC 7616, RFC 8760) — the preferred algorithm.</summary>
    Sha256,
}
