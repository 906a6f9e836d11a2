using Presence.Grains.Accounts;

namespace Presence.Grains.Tests.Users;

/// <summary>Accounts as grains: provisioned once, changed durably, read back after a restart from the row layout every store has used.</summary>
public sealed class AccountGrainTests : IAsyncLifetime
{
    private GrainCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await GrainCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task An_account_is_created_once_changed_durably_and_read_back_after_a_restart()
    {
        var account = _cluster.Grains.GetGrain<IAccountGrain>("sip:alice@example.com");
        Assert.Null(await account.Get());
        var created = await account.Create("alice", "example.com", "md5-1", "sha-1");
        Assert.Equal(AccountChange.Done, created.Change);
        Assert.Equal(AccountChange.AlreadyExists, (await account.Create("alice", "example.com", "md5-2", "sha-2")).Change);
        Assert.Equal(AccountChange.Done, (await account.SetPassword("md5-3", "sha-3")).Change);
        Assert.Equal(AccountChange.Done, (await account.SetGroups(["sales"])).Change);
        Assert.Equal(AccountChange.NotFound, (await _cluster.Grains.GetGrain<IAccountGrain>("sip:nobody@example.com").SetDisabled(true)).Change);

        string path = await _cluster.StopKeepingDatabaseAsync();
        await using var restarted = await GrainCluster.StartAsync(databasePath: path);
        var read = await restarted.Grains.GetGrain<IAccountGrain>("sip:alice@example.com").Get();
        Assert.NotNull(read);
        Assert.Equal(("alice", "example.com", "md5-3", "sha-3"), (read.Username, read.Realm, read.Ha1Md5, read.Ha1Sha256));
        Assert.Equal(["sales"], read.GroupList);
        Assert.Equal(created.Account!.CreatedAt, read.CreatedAt);
        // One item of camelCase JSON, as accounts have always been stored (a store from before the move reads the same).
        var row = await restarted.Store.ReadAsync("account", "sip:alice@example.com", CancellationToken.None);
        var item = Assert.Single(row!.Items);
        Assert.Equal(("account", ""), (item.Kind, item.Key));
        Assert.Contains("\"ha1Sha256\":\"sha-3\"", System.Text.Encoding.UTF8.GetString(item.Payload), StringComparison.Ordinal);
    }
}
