namespace Presence.Sip.Auth;

/// <summary>Verdict of <see cref="DigestNonceIssuer.Check"/> on a nonce a client echoed back.</summary>
public enum NonceCheck
{
    /// <summary>Issued by this server (or a peer sharing the secret) for this realm, and still fresh.</summary>
    Valid,

    /// <summary>
    /// Genuine but older than the configured lifetime. If the response is otherwise correct,
    /// the server re-challenges with <c>stale=true</c> (RFC 7616 §3.3, RFC 3261 §22.4) so the
    /// client retries without prompting the user.
    /// </summary>
    Stale,

    /// <summary>Forged, truncated, malformed, issued for another realm, or dated in the future.</summary>
    Invalid,
}
