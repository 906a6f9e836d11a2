using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Presence.Sip.Auth;

/// <summary>
/// The parsed value of an <c>Authorization</c> or <c>Proxy-Authorization</c> header carrying
/// Digest credentials (RFC 3261 §22.4 / §25.1 <c>digest-response</c>, RFC 7616 §3.4).
/// </summary>
/// <remarks>
/// Parsing checks syntax and the presence of the parameters every Digest response needs; it
/// does not judge whether the values are acceptable (realm, algorithm, qop value, nonce) —
/// that is <see cref="DigestAuthenticator"/>'s job, so each rejection gets its own outcome.
/// </remarks>
public sealed class DigestCredentials
{
    /// <summary>The only auth-scheme this type represents.</summary>
    public const string DigestScheme = "Digest";

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    private DigestCredentials(string scheme, string username, string realm, string nonce, string uri, string response)
    {
        Scheme = scheme;
        Username = username;
        Realm = realm;
        Nonce = nonce;
        Uri = uri;
        Response = response;
    }

    /// <summary>The scheme as sent (matched case-insensitively against "Digest", RFC 7235 §2.1).</summary>
    public string Scheme { get; }

    /// <summary>
    /// <c>username</c>, or the decoded <c>username*</c> (RFC 7616 §3.4.4). When
    /// <see cref="UserHash"/> is true this is the hex H(username ":" realm), not the name.
    /// </summary>
    public string Username { get; }

    /// <summary><c>realm</c>, echoed from the challenge.</summary>
    public string Realm { get; }

    /// <summary><c>nonce</c>, echoed from the challenge.</summary>
    public string Nonce { get; }

    /// <summary><c>uri</c> (digest-uri): the Request-URI the client hashed into A2.</summary>
    public string Uri { get; }

    /// <summary><c>response</c>: the request-digest in hex, as sent.</summary>
    public string Response { get; }

    /// <summary>The raw <c>algorithm</c> token, or null when the client omitted it.</summary>
    public string? AlgorithmToken { get; private init; }

    /// <summary>
    /// The algorithm in effect: MD5 when <see cref="AlgorithmToken"/> is absent (RFC 7616 §3.3),
    /// null when the token names an algorithm this server does not implement.
    /// </summary>
    public DigestAlgorithm? Algorithm { get; private init; }

    /// <summary><c>cnonce</c>; required whenever <see cref="Qop"/> is present.</summary>
    public string? Cnonce { get; private init; }

    /// <summary><c>opaque</c>, echoed from the challenge if the server sent one.</summary>
    public string? Opaque { get; private init; }

    /// <summary><c>qop</c> as sent (a single token such as "auth"); null for the RFC 2069 form.</summary>
    public string? Qop { get; private init; }

    /// <summary><c>nc</c>: exactly 8 hex digits, as sent (it is hashed verbatim).</summary>
    public string? NonceCount { get; private init; }

    /// <summary><see cref="NonceCount"/> as a number, for replay tracking by the caller.</summary>
    public uint? NonceCountValue =>
        NonceCount is null ? null : uint.Parse(NonceCount, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary><c>userhash=true</c> (RFC 7616 §3.4.4): <see cref="Username"/> is hashed.</summary>
    public bool UserHash { get; private init; }

    /// <summary>
    /// Parses a header value such as <c>Digest username="bob", realm="biloxi.com", ...</c>.
    /// Never throws; on failure <paramref name="error"/> holds a short reason such as
    /// "missing nonce" or "unterminated quoted string".
    /// </summary>
    public static bool TryParse(
        string? headerValue,
        [NotNullWhen(true)] out DigestCredentials? credentials,
        out string error)
    {
        credentials = null;
        if (!AuthParamParser.TryReadScheme(headerValue, out string scheme, out int end, out error))
        {
            return false;
        }

        if (!scheme.Equals(DigestScheme, StringComparison.OrdinalIgnoreCase))
        {
            error = "auth scheme is not Digest";
            return false;
        }

        List<AuthParamParser.AuthParam> parameters = [];
        if (!AuthParamParser.TryParseParameters(headerValue.AsSpan(end), parameters, out error))
        {
            return false;
        }

        string? username = null, usernameExt = null, realm = null, nonce = null, uri = null, response = null;
        string? algorithm = null, cnonce = null, opaque = null, qop = null, nc = null, userhash = null;
        foreach (AuthParamParser.AuthParam p in parameters)
        {
            // Parameter names are case-insensitive (RFC 7235 §2.1). Either token or quoted form
            // is accepted for every value: RFC 7235 §2.2 already asks recipients to accept both
            // for realm, and deployed UAs send e.g. qop="auth" or unquoted nonces.
            switch (p.Name.ToUpperInvariant())
            {
                case "USERNAME": username = p.Value; break;
                case "USERNAME*": usernameExt = p.Value; break;
                case "REALM": realm = p.Value; break;
                case "NONCE": nonce = p.Value; break;
                case "URI": uri = p.Value; break;
                case "RESPONSE": response = p.Value; break;
                case "ALGORITHM": algorithm = p.Value; break;
                case "CNONCE": cnonce = p.Value; break;
                case "OPAQUE": opaque = p.Value; break;
                case "QOP": qop = p.Value; break;
                case "NC": nc = p.Value; break;
                case "USERHASH": userhash = p.Value; break;
                default: break; // RFC 7616 §3.4: unknown directives are ignored (auth-param extensibility).
            }
        }

        if (username is not null && usernameExt is not null)
        {
            error = "both username and username* present"; // RFC 7616 §3.4: one or the other.
            return false;
        }

        if (usernameExt is not null && !ExtendedParameterValue.TryDecode(usernameExt, out username, out error))
        {
            return false;
        }

        if (!Require(username, "username", out error) || !Require(realm, "realm", out error)
            || !Require(nonce, "nonce", out error) || !Require(uri, "uri", out error)
            || !Require(response, "response", out error))
        {
            return false;
        }

        // Empty strings are syntactically legal quoted-strings but can never authenticate;
        // saying so is clearer than a later "wrong response".
        string? empty = username.Length == 0 ? "username"
            : nonce.Length == 0 ? "nonce"
            : uri.Length == 0 ? "uri"
            : response.Length == 0 ? "response" : null;
        if (empty is not null)
        {
            error = "empty " + empty;
            return false;
        }

        if (qop is not null)
        {
            // RFC 7616 §3.4 / RFC 3261 §25.1: cnonce and nc MUST be sent when qop is.
            if (!Require(cnonce, "cnonce (required with qop)", out error)
                || !Require(nc, "nc (required with qop)", out error))
            {
                return false;
            }

            if (cnonce.Length == 0)
            {
                error = "empty cnonce";
                return false;
            }
        }

        // RFC 3261 §25.1 nc-value = 8LHEX. Upper-case hex is tolerated; the value is hashed as sent.
        if (nc is not null && (nc.Length != 8 || nc.AsSpan().ContainsAnyExcept(HexDigits)))
        {
            error = "nc must be 8 hex digits";
            return false;
        }

        bool isUserHash = false;
        if (userhash is not null)
        {
            // RFC 7616 §3.4: userhash = "true" / "false".
            if (userhash.Equals("true", StringComparison.OrdinalIgnoreCase))
            {
                isUserHash = true;
            }
            else if (!userhash.Equals("false", StringComparison.OrdinalIgnoreCase))
            {
                error = "userhash must be true or false";
                return false;
            }
        }

        DigestAlgorithm? resolved = DigestAlgorithms.TryParse(algorithm, out DigestAlgorithm parsed) ? parsed : null;
        credentials = new DigestCredentials(scheme, username, realm, nonce, uri, response)
        {
            AlgorithmToken = algorithm,
            Algorithm = resolved,
            Cnonce = cnonce,
            Opaque = opaque,
            Qop = qop,
            NonceCount = nc,
            UserHash = isUserHash,
        };
        error = "";
        return true;
    }

    private static bool Require([NotNullWhen(true)] string? value, string name, out string error)
    {
        error = value is null ? "missing " + name : "";
        return value is not null;
    }
}
