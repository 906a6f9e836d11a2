namespace Presence.Cluster.Runtime;

/// <summary>
/// Rendezvous (highest random weight) hashing: a partition goes to the candidate with the highest
/// hash of (candidate, partition). Every process that knows the same candidates picks the same one, and
/// when a candidate joins or leaves only the partitions it wins or held move (about 1/n of them), not a
/// reshuffle of everything as a modulo would.
/// </summary>
public static class RendezvousHash
{
    /// <summary>The index in <paramref name="candidates"/> that wins <paramref name="partition"/>; -1 when there are none.</summary>
    public static int Choose(int partition, IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var best = -1;
        ulong bestWeight = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var weight = Weight(SeedOf(candidates[i]), partition);
            // Ties (vanishingly rare) go to the smaller name, so the answer does not depend on list order.
            if (best < 0 || weight > bestWeight
                || (weight == bestWeight && string.CompareOrdinal(candidates[i], candidates[best]) < 0))
            {
                best = i;
                bestWeight = weight;
            }
        }

        return best;
    }

    /// <summary>A candidate's 64-bit seed: FNV-1a over its UTF-16 code units (stable across processes).</summary>
    public static ulong SeedOf(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var hash = 14695981039346656037UL;
        foreach (var c in candidate)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>The weight of a seeded candidate for a partition: SplitMix64's finalizer over both.</summary>
    public static ulong Weight(ulong seed, int partition)
    {
        var z = seed ^ ((ulong)(uint)partition * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
