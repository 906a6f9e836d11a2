using Presence.Sip.Auth;

namespace Presence.Sip.Tests.Auth;

/// <summary>
/// Test-only credential store: keeps HA1 per (user, realm, algorithm) and indexes user hashes
/// so <c>userhash=true</c> requests can be resolved. The password itself is never stored.
/// </summary>
internal sealed class InMemoryDigestCredentialStore : IDigestCredentialStore
{
    private readonly Dictionary<(string User, string Realm, DigestAlgorithm Algorithm), string> _ha1 = [];
    private readonly Dictionary<(string Hash, string Realm, DigestAlgorithm Algorithm), string> _byHash = [];

    public int Ha1Lookups { get; private set; }

    public InMemoryDigestCredentialStore Add(string username, string realm, string password)
    {
        foreach (DigestAlgorithm algorithm in new[] { DigestAlgorithm.Md5, DigestAlgorithm.Sha256 })
        {
            _ha1[(username, realm, algorithm)] = DigestHash.ComputeHa1(algorithm, username, realm, password);
            _byHash[(DigestHash.ComputeUserHash(algorithm, username, realm), realm, algorithm)] = username;
        }

        return this;
    }

    /// <summary>Stores a raw HA1 value, e.g. an upper-case or deliberately broken one.</summary>
    public InMemoryDigestCredentialStore AddHa1(string username, string realm, DigestAlgorithm algorithm, string ha1)
    {
        _ha1[(username, realm, algorithm)] = ha1;
        return this;
    }

    public string? FindHa1(string username, string realm, DigestAlgorithm algorithm)
    {
        Ha1Lookups++;
        return _ha1.GetValueOrDefault((username, realm, algorithm));
    }

    public string? FindUsernameByHash(string userHash, string realm, DigestAlgorithm algorithm) =>
        _byHash.GetValueOrDefault((userHash.ToLowerInvariant(), realm, algorithm));
}

/// <summary>A store relying on the interface's default (no user-hash support).</summary>
internal sealed class HashlessCredentialStore(string username, string realm, string password) : IDigestCredentialStore
{
    public string? FindHa1(string user, string inRealm, DigestAlgorithm algorithm) =>
        user == username && inRealm == realm ? DigestHash.ComputeHa1(algorithm, username, realm, password) : null;
}
