using System.Collections.Concurrent;
using System.Text.Json;
using Presence.Cluster.Storage;
using Presence.Sip.Auth;

namespace Presence.Server.Accounts;

public enum AccountChange
{
    Done,
    NotFound,
    AlreadyExists,
    Conflict,
}

/// <summary>
/// The provisioned users, kept in the grain store (type "account", one item per user) and cached in memory:
/// every authenticated request looks its user up, and provisioning is rare.
/// </summary>
public sealed class AccountDirectory(IGrainStore store, TimeProvider time)
{
    public const string GrainType = "account";
    private const string ItemKind = "account";

    // Entries are trusted for a few seconds only: in a cluster another member may change a password or
    // disable a user, and this member must see it soon without a read per request.
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (Account? Account, long Version, long ReadAt)> _cache = new(StringComparer.Ordinal);

    public async Task<Account?> GetAsync(string aor, CancellationToken ct = default) => (await ReadAsync(aor, ct).ConfigureAwait(false)).Account;

    public async Task<IReadOnlyList<Account>> ListAsync(string? after, int max, CancellationToken ct = default)
    {
        var keys = await store.ListKeysAsync(GrainType, after, max, ct).ConfigureAwait(false);
        var accounts = new List<Account>(keys.Count);
        foreach (string key in keys)
        {
            if (await GetAsync(key, ct).ConfigureAwait(false) is { } account)
                accounts.Add(account);
        }
        return accounts;
    }

    /// <summary>Creates a user; its realm is the AOR's domain and its digest username the user part.</summary>
    public async Task<(AccountChange Change, Account? Account)> CreateAsync(string aor, string password, CancellationToken ct = default)
    {
        var (existing, version) = await ReadAsync(aor, ct).ConfigureAwait(false);
        if (existing is not null)
            return (AccountChange.AlreadyExists, existing);
        var (username, realm) = Split(aor);
        DateTimeOffset now = time.GetUtcNow();
        var account = new Account(
            aor, username, realm,
            DigestHash.ComputeHa1(DigestAlgorithm.Md5, username, realm, password),
            DigestHash.ComputeHa1(DigestAlgorithm.Sha256, username, realm, password),
            Disabled: false, now, now);
        return await WriteAsync(account, version, ct).ConfigureAwait(false);
    }

    public async Task<(AccountChange Change, Account? Account)> SetPasswordAsync(string aor, string password, CancellationToken ct = default)
    {
        var (existing, version) = await ReadAsync(aor, ct).ConfigureAwait(false);
        if (existing is null)
            return (AccountChange.NotFound, null);
        var changed = existing with
        {
            Ha1Md5 = DigestHash.ComputeHa1(DigestAlgorithm.Md5, existing.Username, existing.Realm, password),
            Ha1Sha256 = DigestHash.ComputeHa1(DigestAlgorithm.Sha256, existing.Username, existing.Realm, password),
            ChangedAt = time.GetUtcNow(),
        };
        return await WriteAsync(changed, version, ct).ConfigureAwait(false);
    }

    public async Task<(AccountChange Change, Account? Account)> SetDisabledAsync(string aor, bool disabled, CancellationToken ct = default)
    {
        var (existing, version) = await ReadAsync(aor, ct).ConfigureAwait(false);
        if (existing is null)
            return (AccountChange.NotFound, null);
        return await WriteAsync(existing with { Disabled = disabled, ChangedAt = time.GetUtcNow() }, version, ct).ConfigureAwait(false);
    }

    public async Task<(AccountChange Change, Account? Account)> SetGroupsAsync(string aor, IReadOnlyList<string> groups, CancellationToken ct = default)
    {
        var (existing, version) = await ReadAsync(aor, ct).ConfigureAwait(false);
        if (existing is null)
            return (AccountChange.NotFound, null);
        return await WriteAsync(existing with { Groups = groups, ChangedAt = time.GetUtcNow() }, version, ct).ConfigureAwait(false);
    }

    /// <summary>"sip:alice@example.com" → ("alice", "example.com").</summary>
    public static (string Username, string Realm) Split(string aor)
    {
        int colon = aor.IndexOf(':', StringComparison.Ordinal);
        int at = aor.LastIndexOf('@');
        return (aor[(colon + 1)..at], aor[(at + 1)..]);
    }

    private async Task<(AccountChange, Account?)> WriteAsync(Account account, long expectedVersion, CancellationToken ct)
    {
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(account, AccountJson.Default.Account);
        var write = new GrainWrite(GrainType, account.Aor, expectedVersion, [new StoredItem(ItemKind, string.Empty, payload)], [], null, []);
        var results = await store.WriteAsync([write], ct).ConfigureAwait(false);
        _cache.TryRemove(account.Aor, out _);
        return results[0].Status == WriteStatus.Committed ? (AccountChange.Done, account) : (AccountChange.Conflict, null);
    }

    private async Task<(Account? Account, long Version)> ReadAsync(string aor, CancellationToken ct)
    {
        if (_cache.TryGetValue(aor, out var cached) && time.GetElapsedTime(cached.ReadAt) < CacheLifetime)
            return (cached.Account, cached.Version);
        long readAt = time.GetTimestamp();
        var snapshot = await store.ReadAsync(GrainType, aor, ct).ConfigureAwait(false);
        var item = snapshot?.Items.FirstOrDefault(i => i.Kind == ItemKind);
        var entry = (item is null ? null : JsonSerializer.Deserialize(item.Payload, AccountJson.Default.Account), snapshot?.Version ?? 0);
        // Only real users are cached: caching misses would let anyone grow the cache with made-up names.
        if (entry.Item1 is not null)
            _cache[aor] = (entry.Item1, entry.Item2, readAt);
        else
            _cache.TryRemove(aor, out _);
        return entry;
    }
}
