using Presence.Core.Documents;

namespace Presence.Core.Model;

/// <summary>
/// One piece of event state published by one device (RFC 3903 §2): identified by its entity-tag, kept until it
/// expires or is removed. <see cref="State"/> is what the document said, already read.
/// </summary>
public sealed record Publication(
    string EntityTag,
    DateTimeOffset ExpiresAt,
    string ContentType,
    byte[] Body,
    PublishedState State,
    DateTimeOffset PublishedAt,
    string Event = EventPackage.Presence)
{
    public bool IsLive(DateTimeOffset now) => ExpiresAt > now;

    public int SecondsLeft(DateTimeOffset now) => (int)Math.Max(0, Math.Ceiling((ExpiresAt - now).TotalSeconds));
}
