using System.Text.Json;
using Presence.Grains.Storage;

namespace Presence.Grains.Accounts;

/// <summary>
/// One provisioned user's account (its key is the AOR). Reads are served from memory; changes are written through
/// the grain storage before they are answered. The hashes are made by the caller (the host knows digest).
/// </summary>
public interface IAccountGrain : IGrainWithStringKey
{
    Task<Account?> Get();

    /// <summary>Provisions the user; <see cref="AccountChange.AlreadyExists"/> when it is already there.</summary>
    Task<AccountResult> Create(string username, string realm, string ha1Md5, string ha1Sha256);

    Task<AccountResult> SetPassword(string ha1Md5, string ha1Sha256);

    Task<AccountResult> SetDisabled(bool disabled);

    Task<AccountResult> SetGroups(string[] groups);
}

[GrainType(GrainTypeName)]
public sealed class AccountGrain(
    [PersistentState("account", ItemGrainStorage.Name)] IPersistentState<ItemizedState> state, TimeProvider time) : Grain, IAccountGrain
{
    public const string GrainTypeName = "account";

    /// <summary>The one item an account grain stores (kind "account", empty key).</summary>
    public const string ItemKind = "account";

    private Account? _account;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var item = state.State.Items.FirstOrDefault(i => i.Kind == ItemKind);
        _account = item is null ? null : JsonSerializer.Deserialize(item.Payload, AccountJson.Default.Account);
        state.State.Items = [];
        return Task.CompletedTask;
    }

    public Task<Account?> Get() => Task.FromResult(_account);

    public async Task<AccountResult> Create(string username, string realm, string ha1Md5, string ha1Sha256)
    {
        if (_account is not null)
            return new AccountResult(AccountChange.AlreadyExists, _account);
        DateTimeOffset now = time.GetUtcNow();
        return await WriteAsync(new Account(this.GetPrimaryKeyString(), username, realm, ha1Md5, ha1Sha256, Disabled: false, now, now));
    }

    public Task<AccountResult> SetPassword(string ha1Md5, string ha1Sha256) =>
        ChangeAsync(a => a with { Ha1Md5 = ha1Md5, Ha1Sha256 = ha1Sha256 });

    public Task<AccountResult> SetDisabled(bool disabled) => ChangeAsync(a => a with { Disabled = disabled });

    public Task<AccountResult> SetGroups(string[] groups) => ChangeAsync(a => a with { Groups = groups });

    private async Task<AccountResult> ChangeAsync(Func<Account, Account> change)
    {
        if (_account is null)
            return new AccountResult(AccountChange.NotFound, null);
        return await WriteAsync(change(_account) with { ChangedAt = time.GetUtcNow() });
    }

    private async Task<AccountResult> WriteAsync(Account account)
    {
        state.State.Stage([new StoredItem(ItemKind, string.Empty, JsonSerializer.SerializeToUtf8Bytes(account, AccountJson.Default.Account))], [], [], null);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not written (or written by someone else first): this activation's view may be stale, read again next time.
            DeactivateOnIdle();
            throw;
        }
        _account = account;
        return new AccountResult(AccountChange.Done, account);
    }
}
