namespace Presence.Sip.Auth;

/// <summary>Result categories of <see cref="DigestAuthenticator.Verify"/>.</summary>
/// <remarks>
/// Every value except <see cref="Ok"/> means "not authenticated". The usual reaction is a new
/// 401/407 challenge; <see cref="StaleNonce"/> asks for one with <c>stale=true</c>. The split
/// between <see cref="UnknownUser"/> and <see cref="WrongResponse"/> is for server logs and
/// rate limiting only — telling the client which one happened would confirm user names.
/// </remarks>
public enum DigestOutcome
{
    /// <summary>Credentials are correct and the nonce is fresh.</summary>
    Ok,

    /// <summary>The header is not parseable Digest credentials, or a value is ill-formed.</summary>
    Malformed,

    /// <summary>The credentials are for a realm other than the one being protected.</summary>
    WrongRealm,

    /// <summary>The algorithm is unknown or not among those this server offers.</summary>
    UnsupportedAlgorithm,

    /// <summary>qop is something other than "auth" (e.g. "auth-int", which is not offered).</summary>
    QopNotAuth,

    /// <summary>The nonce was not issued by this server for this realm (or is unreadable).</summary>
    InvalidNonce,

    /// <summary>
    /// The response is correct for the user's HA1 but the nonce is past its lifetime: re-challenge
    /// with <c>stale=true</c> (RFC 7616 §3.3, RFC 3261 §22.4).
    /// </summary>
    StaleNonce,

    /// <summary>No credentials exist for the user in this realm and algorithm.</summary>
    UnknownUser,

    /// <summary>The user exists but the response does not match (wrong password, method or uri).</summary>
    WrongResponse,
}
