namespace Presence.Core.Documents;

/// <summary>
/// One dialog of a dialog-info document (RFC 4235 §4.1.1), as a publication reported it and as the dialog package's
/// NOTIFYs pass it on: its id, its SIP dialog identifiers when given, the direction, the state (trying, proceeding,
/// early, confirmed, terminated) and who is at the other end.
/// </summary>
public sealed record DialogEntry(
    string Id, string? CallId, string? LocalTag, string? RemoteTag, string? Direction, string State, string? RemoteIdentity);
