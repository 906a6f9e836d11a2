using Presence.Core.Documents;

namespace Presence.Core.Model;

/// <summary>
/// What the user (or the operator for them, through the HTTP API) set to stay until changed: do-not-disturb
/// with its comment, alternative contacts for when no device is registered, and a voicemail URI.
/// </summary>
public sealed record UserSettings(
    bool DoNotDisturb,
    string? DndComment,
    IReadOnlyList<AlternativeContact> AlternativeContacts,
    string? VoicemailUri)
{
    public static UserSettings Empty { get; } = new(false, null, [], null);
}
