namespace Presence.Grains.Storage;

public enum WriteStatus
{
    /// <summary>The write is durable.</summary>
    Committed,

    /// <summary>
    /// The grain was not at the expected version (or already existed, for an expected version of 0).
    /// Nothing of the write was applied; the writer's view is stale and it must re-read, not retry blindly.
    /// </summary>
    Conflict,
}

/// <param name="NewVersion">
/// For <see cref="WriteStatus.Committed"/>, the grain's version after the write. For
/// <see cref="WriteStatus.Conflict"/>, the version the store holds (0 if the grain does not exist),
/// which tells a log reader how far behind the writer was.
/// </param>
public readonly record struct WriteResult(WriteStatus Status, long NewVersion);
