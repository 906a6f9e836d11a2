namespace Presence.Cluster.Runtime;

/// <summary>
/// Rendezvous (highest random weight) hashing: each candidate gets a weight for a partition from a stable
/// hash of (candidate, partition), and the heaviest wins. When a candidate joins it takes only the partitions
/// it now outweighs, and when one leaves only its own partitions move, each to its runner-up; nobody else's
/// partition moves (ARCHITECTURE.md "Placement"). The weights are the same in every process and on every
/// machine, so every edge and silo that sees the same candidates agrees on the owner without talking.
/// </summary>
public static class RendezvousHash
{
    private const ulong FnvOffsetBasis = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    /// <summary>
    /// The index in <paramref name="candidates"/> of the one that owns <paramref name="partition"/>. The order
    /// of the list does not matter: the same set gives the same candidate whatever its position.
    /// </summary>
    public static int Choose(int partition, IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0)
            throw new ArgumentException("There is no candidate to choose from.", nameof(candidates));
        int best = 0;
        ulong bestWeight = Weight(candidates[0], partition);
        for (int i = 1; i < candidates.Count; i++)
        {
            ulong weight = Weight(candidates[i], partition);
            // Equal weights (a 2^-64 chance, or a candidate listed twice) go to the smaller text, so that the
            // answer never depends on the order of the list.
            if (weight > bestWeight || (weight == bestWeight && string.CompareOrdinal(candidates[i], candidates[best]) < 0))
            {
                best = i;
                bestWeight = weight;
            }
        }
        return best;
    }

    /// <summary>
    /// The weight of a candidate for a partition: FNV-1a 64 over the candidate's UTF-8 bytes, a 0xFF separator
    /// (a byte UTF-8 never contains, so "a"+partition and "a\u0001"+... cannot meet) and the partition's four
    /// bytes, little-endian; then MurmurHash3's 64-bit finalizer, because FNV-1a alone spreads its last bytes
    /// (the partition, the part that varies most) poorly over the high bits that decide the comparison.
    /// </summary>
    public static ulong Weight(string candidate, int partition)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ulong hash = FnvOffsetBasis;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in candidate.EnumerateRunes())
        {
            int length = rune.EncodeToUtf8(utf8);
            for (int i = 0; i < length; i++)
                hash = (hash ^ utf8[i]) * FnvPrime;
        }
        hash = (hash ^ 0xFF) * FnvPrime;
        uint p = unchecked((uint)partition);
        for (int shift = 0; shift < 32; shift += 8)
            hash = (hash ^ ((p >> shift) & 0xFF)) * FnvPrime;

        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCD;
        hash ^= hash >> 33;
        hash *= 0xC4CEB9FE1A85EC53;
        hash ^= hash >> 33;
        return hash;
    }
}
