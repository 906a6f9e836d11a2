using System.Text;

namespace Presence.Sip.Auth;

/// <summary>
/// One Digest challenge, rendered as the value of a <c>WWW-Authenticate</c> (401) or
/// <c>Proxy-Authenticate</c> (407) header (RFC 3261 §22.1/§22.4, RFC 7616 §3.3).
/// </summary>
/// <remarks>
/// Output shape: <c>Digest realm="...", nonce="...", algorithm=SHA-256, qop="auth"</c>, then
/// <c>opaque="..."</c> when set and <c>stale=true</c> only when the nonce was stale.
/// Following RFC 7616 §3.3 and RFC 3261 §25.1, realm, nonce, opaque and qop-options are
/// quoted-strings while algorithm and stale are tokens.
/// </remarks>
public sealed class DigestChallenge
{
    /// <summary>The only quality of protection this server offers.</summary>
    public const string QopAuth = "auth";

    /// <summary>Creates a challenge; values containing control characters are rejected.</summary>
    /// <exception cref="ArgumentException">A value contains CR, LF or another control character,
    /// which would let it break out of the header (header injection).</exception>
    public DigestChallenge(string realm, string nonce, DigestAlgorithm algorithm, string? opaque = null, bool stale = false)
    {
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        if (!algorithm.IsDefined())
        {
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unknown digest algorithm");
        }

        RejectControlCharacters(realm, nameof(realm));
        RejectControlCharacters(nonce, nameof(nonce));
        if (opaque is not null)
        {
            RejectControlCharacters(opaque, nameof(opaque));
        }

        Realm = realm;
        Nonce = nonce;
        Algorithm = algorithm;
        Opaque = opaque;
        Stale = stale;
    }

    /// <summary>The protection space (RFC 3261 §22.1: typically the SIP domain).</summary>
    public string Realm { get; }

    /// <summary>Server nonce the client must echo and hash.</summary>
    public string Nonce { get; }

    /// <summary>Hash algorithm this challenge asks for.</summary>
    public DigestAlgorithm Algorithm { get; }

    /// <summary>Opaque data the client returns unchanged, or null to omit it.</summary>
    public string? Opaque { get; }

    /// <summary>
    /// True when the previous request had a correct response under an expired nonce
    /// (RFC 7616 §3.3): the client may retry with the new nonce without asking the user again.
    /// </summary>
    public bool Stale { get; }

    /// <summary>
    /// Advertise <c>userhash=true</c> (RFC 7616 §3.3) — only when the credential store can
    /// resolve hashed user names.
    /// </summary>
    public bool UserHash { get; init; }

    /// <summary>Renders the header value.</summary>
    public string ToHeaderValue()
    {
        var sb = new StringBuilder(96 + Realm.Length + Nonce.Length + (Opaque?.Length ?? 0));
        sb.Append(DigestCredentials.DigestScheme).Append(' ');
        AppendQuoted(sb, "realm", Realm).Append(", ");
        AppendQuoted(sb, "nonce", Nonce).Append(", ");
        sb.Append("algorithm=").Append(Algorithm.ToToken()).Append(", ");
        AppendQuoted(sb, "qop", QopAuth);
        if (Opaque is not null)
        {
            AppendQuoted(sb.Append(", "), "opaque", Opaque);
        }

        if (Stale)
        {
            // RFC 7616 §3.3: stale is sent only as "true"; absence means false.
            sb.Append(", stale=true");
        }

        if (UserHash)
        {
            sb.Append(", userhash=true");
        }

        return sb.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => ToHeaderValue();

    /// <summary>
    /// Appends <c>name="value"</c>, escaping DQUOTE and backslash as quoted-pairs
    /// (RFC 3261 §25.1, RFC 7616 §3.4.5) so any realm text survives the round trip.
    /// </summary>
    private static StringBuilder AppendQuoted(StringBuilder sb, string name, string value)
    {
        sb.Append(name).Append("=\"");
        foreach (char c in value)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.Append('"');
    }

    private static void RejectControlCharacters(string value, string paramName)
    {
        foreach (char c in value)
        {
            // HTAB is legal qdtext; every other control character is not.
            if (AuthParamParser.IsControl(c) && c != '\t')
            {
                throw new ArgumentException("Value must not contain control characters.", paramName);
            }
        }
    }
}
