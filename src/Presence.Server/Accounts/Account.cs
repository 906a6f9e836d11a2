using System.Text.Json.Serialization;

namespace Presence.Server.Accounts;

/// <summary>
/// A provisioned user: who may authenticate as the AOR, with its password kept only as digest HA1 hashes
/// (RFC 7616 §3.4.2: H(username ":" realm ":" password), one per algorithm), never in plain text.
/// </summary>
public sealed record Account(
    string Aor,
    string Username,
    string Realm,
    string Ha1Md5,
    string Ha1Sha256,
    bool Disabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset ChangedAt,
    IReadOnlyList<string>? Groups = null)
{
    /// <summary>The groups the operator put the user in, for the central group rules.</summary>
    public IReadOnlyList<string> GroupList => Groups ?? [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Account))]
internal sealed partial class AccountJson : JsonSerializerContext;
