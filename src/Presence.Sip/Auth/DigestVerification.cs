namespace Presence.Sip.Auth;

/// <summary>Result of <see cref="DigestAuthenticator.Verify"/>.</summary>
/// <param name="Outcome">What was decided.</param>
/// <param name="Username">The authenticated (or claimed) user name; for <c>userhash=true</c>
/// the resolved name when the store knew it, otherwise the value sent. Empty when the header
/// could not be parsed.</param>
/// <param name="Reason">Short human-readable explanation, for logs — not for the client.</param>
/// <param name="Credentials">The parsed credentials, when parsing succeeded, so the caller can
/// apply further policy (nonce-count replay tracking, matching <c>uri</c> to the Request-URI).</param>
public readonly record struct DigestVerification(
    DigestOutcome Outcome,
    string Username,
    string Reason,
    DigestCredentials? Credentials)
{
    /// <summary>True only for <see cref="DigestOutcome.Ok"/>.</summary>
    public bool IsAuthenticated => Outcome == DigestOutcome.Ok;

    /// <summary>True when the re-challenge should carry <c>stale=true</c>.</summary>
    public bool IsStale => Outcome == DigestOutcome.StaleNonce;
}
