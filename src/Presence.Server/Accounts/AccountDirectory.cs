using System.Collections.Concurrent;
using Presence.Grains.Accounts;
using Presence.Grains.Storage;
using Presence.Sip.Auth;

namespace Presence.Server.Accounts;

/// <summary>
/// The provisioned users: one account grain each (its rows in the store, type "account"), cached here for a few
/// seconds, since every authenticated request looks its user up and provisioning is rare. Works on every member of a
/// cluster, edges included (a grain call); listing reads the store, where there is one.
/// </summary>
public sealed class AccountDirectory(IGrainFactory grains, TimeProvider time, IServiceProvider services)
{
    // Entries are trusted for a few seconds only: another member may change a password or disable a user, and this
    // one must see it soon without a call per request.
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (Account Account, long ReadAt)> _cache = new(StringComparer.Ordinal);

    public async Task<Account?> GetAsync(string aor, CancellationToken ct = default)
    {
        if (_cache.TryGetValue(aor, out var cached) && time.GetElapsedTime(cached.ReadAt) < CacheLifetime)
            return cached.Account;
        long readAt = time.GetTimestamp();
        var account = await Grain(aor).Get().WaitAsync(ct).ConfigureAwait(false);
        // Only real users are cached: caching misses would let anyone grow the cache with made-up names.
        if (account is not null)
            _cache[aor] = (account, readAt);
        else
            _cache.TryRemove(aor, out _);
        return account;
    }

    /// <summary>A page of users in AOR order, after <paramref name="after"/> (read from the store: silos that host users).</summary>
    public async Task<IReadOnlyList<Account>> ListAsync(string? after, int max, CancellationToken ct = default)
    {
        var store = services.GetService(typeof(IGrainStore)) as IGrainStore
            ?? throw new InvalidOperationException("Users are listed where the store is: a silo that hosts users.");
        var keys = await store.ListKeysAsync(AccountGrain.GrainTypeName, after, max, ct).ConfigureAwait(false);
        var accounts = new List<Account>(keys.Count);
        foreach (string key in keys)
        {
            if (await GetAsync(key, ct).ConfigureAwait(false) is { } account)
                accounts.Add(account);
        }
        return accounts;
    }

    /// <summary>Creates a user; its realm is the AOR's domain and its digest username the user part.</summary>
    public Task<AccountResult> CreateAsync(string aor, string password, CancellationToken ct = default)
    {
        var (username, realm) = Split(aor);
        var (md5, sha256) = Hashes(username, realm, password);
        return ChangedAsync(aor, Grain(aor).Create(username, realm, md5, sha256), ct);
    }

    public async Task<AccountResult> SetPasswordAsync(string aor, string password, CancellationToken ct = default)
    {
        var existing = await Grain(aor).Get().WaitAsync(ct).ConfigureAwait(false);
        if (existing is null)
            return new AccountResult(AccountChange.NotFound, null);
        var (md5, sha256) = Hashes(existing.Username, existing.Realm, password);
        return await ChangedAsync(aor, Grain(aor).SetPassword(md5, sha256), ct).ConfigureAwait(false);
    }

    public Task<AccountResult> SetDisabledAsync(string aor, bool disabled, CancellationToken ct = default) =>
        ChangedAsync(aor, Grain(aor).SetDisabled(disabled), ct);

    public Task<AccountResult> SetGroupsAsync(string aor, IReadOnlyList<string> groups, CancellationToken ct = default) =>
        ChangedAsync(aor, Grain(aor).SetGroups([.. groups]), ct);

    /// <summary>"sip:alice@example.com" → ("alice", "example.com").</summary>
    public static (string Username, string Realm) Split(string aor)
    {
        int colon = aor.IndexOf(':', StringComparison.Ordinal);
        int at = aor.LastIndexOf('@');
        return (aor[(colon + 1)..at], aor[(at + 1)..]);
    }

    private IAccountGrain Grain(string aor) => grains.GetGrain<IAccountGrain>(aor);

    private async Task<AccountResult> ChangedAsync(string aor, Task<AccountResult> change, CancellationToken ct)
    {
        var result = await change.WaitAsync(ct).ConfigureAwait(false);
        _cache.TryRemove(aor, out _);
        return result;
    }

    private static (string Md5, string Sha256) Hashes(string username, string realm, string password) => (
        DigestHash.ComputeHa1(DigestAlgorithm.Md5, username, realm, password),
        DigestHash.ComputeHa1(DigestAlgorithm.Sha256, username, realm, password));
}
