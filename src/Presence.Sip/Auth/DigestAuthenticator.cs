using System.Buffers;
using System.Collections.ObjectModel;
using System.Security.Cryptography;

namespace Presence.Sip.Auth;

/// <summary>
/// Server side of SIP Digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): builds the
/// challenges for a 401/407 and verifies the Authorization / Proxy-Authorization that answers it.
/// </summary>
/// <remarks>
/// Thread-safe and allocation-light; one instance can serve all requests of a realm or many.
/// Not covered here (left to the caller, who gets the parsed
/// <see cref="DigestVerification.Credentials"/>): checking that <c>uri</c> names the same
/// resource as the Request-URI (RFC 7616 §3.4.6; a policy decision in SIP because proxies may
/// rewrite the Request-URI), and nonce-count replay tracking, which needs state this class avoids.
/// </remarks>
public sealed class DigestAuthenticator
{
    /// <summary>
    /// Default offer: SHA-256 first, then MD5 for legacy UAs. RFC 8760 has a UAS that supports
    /// several algorithms send one challenge per algorithm, most preferred first, and a UAC use
    /// the first one it supports.
    /// </summary>
    public static IReadOnlyList<DigestAlgorithm> DefaultAlgorithms { get; } =
        new ReadOnlyCollection<DigestAlgorithm>([DigestAlgorithm.Sha256, DigestAlgorithm.Md5]);

    private readonly DigestNonceIssuer _nonces;
    private readonly DigestAlgorithm[] _offered;

    // One random HA1 per algorithm, used when the user is unknown so that path hashes exactly
    // as much as the wrong-password path and the two cannot be told apart by timing.
    private readonly string[] _dummyHa1;

    /// <summary>Creates an authenticator.</summary>
    /// <param name="nonces">Issues and checks nonces.</param>
    /// <param name="offered">Algorithms to offer, in preference order; null for
    /// <see cref="DefaultAlgorithms"/>. Credentials using any other algorithm are rejected.</param>
    public DigestAuthenticator(DigestNonceIssuer nonces, IReadOnlyList<DigestAlgorithm>? offered = null)
    {
        ArgumentNullException.ThrowIfNull(nonces);
        offered ??= DefaultAlgorithms;
        if (offered.Count == 0)
        {
            throw new ArgumentException("At least one algorithm must be offered.", nameof(offered));
        }

        var copy = new DigestAlgorithm[offered.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            DigestAlgorithm algorithm = offered[i];
            if (!algorithm.IsDefined())
            {
                throw new ArgumentOutOfRangeException(nameof(offered), algorithm, "unknown digest algorithm");
            }

            // RFC 8760: a UAS must not send two challenges with the same algorithm for one realm.
            if (Array.IndexOf(copy, algorithm, 0, i) >= 0)
            {
                throw new ArgumentException($"Algorithm {algorithm.ToToken()} is listed twice.", nameof(offered));
            }

            copy[i] = algorithm;
        }

        _nonces = nonces;
        _offered = copy;
        OfferedAlgorithms = new ReadOnlyCollection<DigestAlgorithm>(copy);
        _dummyHa1 =
        [
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(DigestAlgorithm.Md5.GetHashSize())),
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(DigestAlgorithm.Sha256.GetHashSize())),
        ];
    }

    /// <summary>The algorithms offered, most preferred first.</summary>
    public IReadOnlyList<DigestAlgorithm> OfferedAlgorithms { get; }

    /// <summary>
    /// When true, credentials without <c>qop</c> (the RFC 2069 form) are refused with
    /// <see cref="DigestOutcome.QopNotAuth"/>. Defaults to false because RFC 3261 §22.4 requires
    /// servers to stay compatible with RFC 2069 clients; turn it on once no such UA remains,
    /// since without qop the client contributes no cnonce and the response is weaker.
    /// </summary>
    public bool RequireQop { get; init; }

    /// <summary>
    /// Header values for a 401 <c>WWW-Authenticate</c> or 407 <c>Proxy-Authenticate</c>: one per
    /// offered algorithm in preference order, all carrying the same fresh nonce.
    /// </summary>
    /// <param name="realm">Protection space, typically the SIP domain (RFC 3261 §22.1).</param>
    /// <param name="stale">True after <see cref="DigestOutcome.StaleNonce"/>.</param>
    public IReadOnlyList<string> CreateChallenges(string realm, bool stale)
    {
        ArgumentNullException.ThrowIfNull(realm);
        string nonce = _nonces.Create(realm);
        var values = new string[_offered.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = new DigestChallenge(realm, nonce, _offered[i], stale: stale).ToHeaderValue();
        }

        return values;
    }

    /// <summary>
    /// Verifies an Authorization / Proxy-Authorization header value. Never throws because of
    /// the header's content; hostile input yields <see cref="DigestOutcome.Malformed"/>.
    /// </summary>
    /// <param name="authorizationHeaderValue">The header value (may be null or garbage).</param>
    /// <param name="method">The request's SIP method, hashed into A2.</param>
    /// <param name="realm">The realm this server protects; the credentials must name it.</param>
    /// <param name="store">Where HA1 values are looked up.</param>
    /// <exception cref="InvalidOperationException">The store returned an HA1 of the wrong shape.</exception>
    public DigestVerification Verify(
        string? authorizationHeaderValue, string method, string realm, IDigestCredentialStore store)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(store);

        if (!DigestCredentials.TryParse(authorizationHeaderValue, out DigestCredentials? credentials, out string error))
        {
            return new DigestVerification(DigestOutcome.Malformed, "", error, null);
        }

        // Realm values are compared exactly: the client must echo what we sent (RFC 3261 §22.1).
        if (!string.Equals(credentials.Realm, realm, StringComparison.Ordinal))
        {
            return Reject(DigestOutcome.WrongRealm, credentials, "realm does not match the protected realm");
        }

        if (credentials.Algorithm is not DigestAlgorithm algorithm || Array.IndexOf(_offered, algorithm) < 0)
        {
            return Reject(DigestOutcome.UnsupportedAlgorithm, credentials, credentials.Algorithm is null
                ? "algorithm is not supported"
                : "algorithm was not offered");
        }

        if (credentials.Qop is null)
        {
            if (RequireQop)
            {
                return Reject(DigestOutcome.QopNotAuth, credentials, "qop is required");
            }
        }
        else if (!credentials.Qop.Equals(DigestChallenge.QopAuth, StringComparison.OrdinalIgnoreCase))
        {
            // We only ever offer qop="auth"; auth-int would need the message body in A2.
            return Reject(DigestOutcome.QopNotAuth, credentials,
                credentials.Qop.Equals("auth-int", StringComparison.OrdinalIgnoreCase)
                    ? "qop=auth-int is not supported, only auth"
                    : "unknown qop, only auth is supported");
        }

        int hashSize = algorithm.GetHashSize();
        Span<byte> presented = stackalloc byte[DigestHash.MaxHashSize];
        if (credentials.Response.Length != algorithm.GetHexLength()
            || Convert.FromHexString(credentials.Response, presented, out _, out int decoded) != OperationStatus.Done
            || decoded != hashSize)
        {
            return Reject(DigestOutcome.Malformed, credentials,
                $"response is not a {algorithm.GetHexLength()}-digit hex digest");
        }

        NonceCheck nonceState = _nonces.Check(credentials.Nonce, realm);
        if (nonceState == NonceCheck.Invalid)
        {
            return Reject(DigestOutcome.InvalidNonce, credentials, "nonce was not issued by this server for this realm");
        }

        string username = credentials.Username;
        bool known = true;
        if (credentials.UserHash)
        {
            string? resolved = store.FindUsernameByHash(credentials.Username, realm, algorithm);
            if (resolved is null)
            {
                known = false;
            }
            else
            {
                username = resolved;
            }
        }

        string? ha1 = known ? store.FindHa1(username, realm, algorithm) : null;
        if (ha1 is null)
        {
            known = false;
            ha1 = _dummyHa1[(int)algorithm];
        }
        else if (!DigestHash.IsWellFormedHa1(algorithm, ha1))
        {
            throw new InvalidOperationException(
                $"The credential store returned an HA1 that is not {algorithm.GetHexLength()} hex digits for {algorithm.ToToken()}.");
        }

        // The response is checked before the nonce's age is acted on: stale=true tells the client
        // its credentials were right (RFC 7616 §3.3), so it may only follow a correct response.
        Span<byte> expected = stackalloc byte[DigestHash.MaxHashSize];
        int length = DigestHash.ComputeResponseBytes(
            algorithm, ha1, credentials.Nonce, credentials.NonceCount, credentials.Cnonce, credentials.Qop,
            method, credentials.Uri, expected);
        bool match = CryptographicOperations.FixedTimeEquals(expected[..length], presented[..hashSize]);

        if (!known)
        {
            return new DigestVerification(DigestOutcome.UnknownUser, username,
                "no credentials for this user, realm and algorithm", credentials);
        }

        if (!match)
        {
            return new DigestVerification(DigestOutcome.WrongResponse, username, "response does not match", credentials);
        }

        return nonceState == NonceCheck.Stale
            ? new DigestVerification(DigestOutcome.StaleNonce, username, "nonce expired; credentials were correct", credentials)
            : new DigestVerification(DigestOutcome.Ok, username, "authenticated", credentials);
    }

    private static DigestVerification Reject(DigestOutcome outcome, DigestCredentials credentials, string reason) =>
        new(outcome, credentials.Username, reason, credentials);
}
