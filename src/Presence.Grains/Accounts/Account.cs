using System.Text.Json.Serialization;

namespace Presence.Grains.Accounts;

/// <summary>
/// A provisioned user: who may authenticate as the AOR, with its password kept only as digest HA1 hashes
/// (RFC 7616 §3.4.2: H(username ":" realm ":" password), one per algorithm), never in plain text.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Account(
    [property: Id(0)] string Aor,
    [property: Id(1)] string Username,
    [property: Id(2)] string Realm,
    [property: Id(3)] string Ha1Md5,
    [property: Id(4)] string Ha1Sha256,
    [property: Id(5)] bool Disabled,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset ChangedAt,
    [property: Id(8)] IReadOnlyList<string>? Groups = null)
{
    /// <summary>The groups the operator put the user in, for the central group rules.</summary>
    public IReadOnlyList<string> GroupList => Groups ?? [];
}

public enum AccountChange
{
    Done,
    NotFound,
    AlreadyExists,
}

/// <summary>What a change to an account did, and the account after it.</summary>
[GenerateSerializer, Immutable]
public sealed record AccountResult([property: Id(0)] AccountChange Change, [property: Id(1)] Account? Account);

/// <summary>How an account is stored: one item of JSON, camelCase (the layout of every store since the first).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Account))]
internal sealed partial class AccountJson : JsonSerializerContext;
