namespace Presence.Core.Model;

/// <summary>
/// One registered contact of a user (RFC 3261 §10): where the user can be reached until it expires.
/// Call-ID and CSeq order refreshes of the same binding (§10.3 step 7).
/// </summary>
public sealed record Binding(
    string ContactUri,
    DateTimeOffset ExpiresAt,
    double Q,
    string CallId,
    long CSeq,
    string? InstanceId,
    string? Flow,
    DeviceCapabilities? Capabilities = null)
{
    public bool IsLive(DateTimeOffset now) => ExpiresAt > now;

    public int SecondsLeft(DateTimeOffset now) => (int)Math.Max(0, Math.Ceiling((ExpiresAt - now).TotalSeconds));
}
