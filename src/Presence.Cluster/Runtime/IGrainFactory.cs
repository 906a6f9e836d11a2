namespace Presence.Cluster.Runtime;

/// <summary>Creates the grains of one type; the runtime calls it on a key's first turn after (re)activation.</summary>
public interface IGrainFactory<TGrain> where TGrain : IGrain
{
    /// <summary>The grain type as the store knows it, e.g. "user".</summary>
    string GrainType { get; }

    /// <summary>
    /// Builds the grain for <paramref name="key"/>, reading its own state from the store. Runs as part of
    /// the first turn, on the key's worker; if it throws, that turn fails and the next turn tries again.
    /// </summary>
    ValueTask<TGrain> ActivateAsync(string key, CancellationToken ct);
}
