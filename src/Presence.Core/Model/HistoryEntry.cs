using Presence.Core.Documents;

namespace Presence.Core.Model;

/// <summary>One change of a user's composite status, as recorded in the history the HTTP API reads.</summary>
public sealed record HistoryEntry(DateTimeOffset At, ExtendedStatus Status, string? Note, string Cause);
