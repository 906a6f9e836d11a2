namespace Presence.Grains.Storage;

/// <summary>One transaction of the <see cref="GroupCommitter"/>, as telemetry sees it.</summary>
/// <param name="Writes">The writes it carried.</param>
/// <param name="Conflicts">Of those, the ones refused for a stale version.</param>
/// <param name="Duration">From handing the batch to the store to its answer (the fsync included).</param>
/// <param name="Failed">The store failed the whole batch.</param>
public readonly record struct GroupCommitBatch(int Writes, int Conflicts, TimeSpan Duration, bool Failed);
