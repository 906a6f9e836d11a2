using Microsoft.Extensions.Options;
using Presence.Grains.Accounts;
using Presence.Sip.Auth;
using Presence.Sip.Message;
using Presence.Sip.Transactions;

namespace Presence.Server.Accounts;

/// <summary>
/// Digest authentication of requests (RFC 3261 §22.4, RFC 7616): challenges a request without credentials
/// (401 with one WWW-Authenticate per algorithm of Auth:Algorithms, in its order), re-challenges with stale=true when only the
/// nonce was old, and refuses wrong credentials and disabled users with 403. Answers the request itself when it
/// refuses; returns the authenticated user's AOR otherwise.
/// </summary>
public sealed class SipAuthorizer
{
    private readonly AccountDirectory _accounts;
    private readonly DigestAuthenticator _authenticator;
    private readonly bool _enabled;
    private readonly IReadOnlyList<System.Net.IPNetwork> _trusted;

    public SipAuthorizer(AccountDirectory accounts, IOptions<AuthOptions> options, TimeProvider time)
    {
        _accounts = accounts;
        _enabled = options.Value.Enabled;
        // Validated at start (AuthOptionsValidator).
        AuthOptions.TryParseTrusted(options.Value.TrustedProxies, out _trusted, out _);
        byte[]? secret = string.IsNullOrEmpty(options.Value.NonceSecret) ? null : Convert.FromBase64String(options.Value.NonceSecret);
        // Validated at start (AuthOptionsValidator): a bad list never gets this far.
        AuthOptions.TryParseAlgorithms(options.Value.Algorithms, out IReadOnlyList<DigestAlgorithm> offered, out _);
        _authenticator = new DigestAuthenticator(new DigestNonceIssuer(secret, options.Value.NonceLifetime, time), offered);
    }

    public bool Enabled => _enabled;

    /// <summary>
    /// Authenticates the request and insists it comes from <paramref name="aor"/> itself (SPEC.md: a user may
    /// only REGISTER and PUBLISH for its own AOR; a watcher subscribes as itself). The realm is the AOR's domain.
    /// False means the request has been answered.
    /// </summary>
    public async ValueTask<bool> AuthenticateAsAsync(ServerTransaction transaction, string aor)
    {
        string realm = AccountDirectory.Split(aor).Realm;
        string? identity = await AuthenticateAsync(transaction, aor, realm).ConfigureAwait(false);
        if (identity is null)
            return false;
        if (string.Equals(identity, aor, StringComparison.Ordinal))
            return true;
        await transaction.RespondAsync(403, "Not Allowed For Another User").ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Authenticates the request as a user of <paramref name="realm"/>; with authentication off, trusts
    /// <paramref name="claimedAor"/>. Null means the request has been answered (401, 403 or 400).
    /// </summary>
    public async ValueTask<string?> AuthenticateAsync(ServerTransaction transaction, string claimedAor, string realm)
    {
        // A trusted proxy speaks for its users (Auth:TrustedProxies): what it claims is taken.
        if (!_enabled || IsTrusted(transaction.Source.EndPoint.Address))
            return claimedAor;
        SipMessage request = transaction.Request;
        // A request may carry credentials for several realms (RFC 3261 §22.4); ours is the one to check.
        string? header = null;
        DigestCredentials? credentials = null;
        foreach (string field in request.GetFields(HeaderId.Authorization))
        {
            if (DigestCredentials.TryParse(field, out var parsed, out _) && string.Equals(parsed!.Realm, realm, StringComparison.OrdinalIgnoreCase))
            {
                header = field;
                credentials = parsed;
                break;
            }
        }
        if (header is null || credentials is null)
        {
            await ChallengeAsync(transaction, realm, stale: false).ConfigureAwait(false);
            return null;
        }
        // RFC 7616 §3.4: the digest-uri must be the Request-URI, or the credentials were made for another request.
        if (!string.Equals(credentials.Uri, request.RequestUri, StringComparison.Ordinal))
        {
            await transaction.RespondAsync(400, "Digest URI Does Not Match Request-URI").ConfigureAwait(false);
            return null;
        }
        string identity = $"sip:{credentials.Username}@{realm.ToLowerInvariant()}";
        Account? account = await _accounts.GetAsync(identity).ConfigureAwait(false);
        DigestVerification verification = _authenticator.Verify(header, request.Method, realm, new SingleAccount(account));
        switch (verification.Outcome)
        {
            case DigestOutcome.Ok when account is { Disabled: false }:
                return identity;
            case DigestOutcome.Ok:
                await transaction.RespondAsync(403, "Account Disabled").ConfigureAwait(false);
                return null;
            case DigestOutcome.StaleNonce:
                await ChallengeAsync(transaction, realm, stale: true).ConfigureAwait(false);
                return null;
            case DigestOutcome.UnknownUser or DigestOutcome.WrongResponse:
                // One answer for both, so that a wrong guess does not tell which users exist.
                await transaction.RespondAsync(403, "Wrong Credentials").ConfigureAwait(false);
                return null;
            case DigestOutcome.Malformed:
                await transaction.RespondAsync(400, "Malformed Authorization: " + verification.Reason).ConfigureAwait(false);
                return null;
            default:
                // A forged or foreign nonce, an algorithm or qop we do not offer: start again with our challenge.
                await ChallengeAsync(transaction, realm, stale: false).ConfigureAwait(false);
                return null;
        }
    }

    private bool IsTrusted(System.Net.IPAddress source)
    {
        if (_trusted.Count == 0)
            return false;
        if (source.IsIPv4MappedToIPv6)
            source = source.MapToIPv4();
        foreach (var network in _trusted)
        {
            if (network.Contains(source))
                return true;
        }
        return false;
    }

    private async ValueTask ChallengeAsync(ServerTransaction transaction, string realm, bool stale)
    {
        var response = transaction.CreateResponse(401);
        foreach (string challenge in _authenticator.CreateChallenges(realm, stale))
            response.Add(HeaderId.WwwAuthenticate, challenge);
        await transaction.RespondAsync(response.Add(HeaderId.Server, Sip.SipRequestDispatcher.ServerName)).ConfigureAwait(false);
    }

    private sealed class SingleAccount(Account? account) : IDigestCredentialStore
    {
        public string? FindHa1(string username, string realm, DigestAlgorithm algorithm)
        {
            if (account is null || !string.Equals(account.Username, username, StringComparison.Ordinal)
                || !string.Equals(account.Realm, realm, StringComparison.OrdinalIgnoreCase))
                return null;
            return algorithm == DigestAlgorithm.Sha256 ? account.Ha1Sha256 : account.Ha1Md5;
        }
    }
}
