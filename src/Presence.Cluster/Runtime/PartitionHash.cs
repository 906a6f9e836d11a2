namespace Presence.Cluster.Runtime;

/// <summary>
/// Key → partition, the same in every process and on every machine (unlike string.GetHashCode, which
/// is randomized per process), so that every silo and edge agrees on where a key lives. The caller
/// normalizes the key first (an AOR's case rules are SIP's business, not this one's).
/// </summary>
public static class PartitionHash
{
    private const uint FnvOffsetBasis = 2166136261;
    private const uint FnvPrime = 16777619;

    public static int PartitionOf(string key, int partitions)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        return (int)(Hash(key) % (uint)partitions);
    }

    /// <summary>
    /// FNV-1a over the key's UTF-8 bytes, then MurmurHash3's 32-bit finalizer. FNV-1a alone mixes its
    /// last bytes poorly into the low bits, and keys that differ only at the end ("alice@a", "alice@b")
    /// are common; the finalizer spreads every input bit over the whole word, so the modulo is even.
    /// Lone surrogates hash as U+FFFD, as UTF-8 encoders write them.
    /// </summary>
    internal static uint Hash(string key)
    {
        var hash = FnvOffsetBasis;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in key.EnumerateRunes())
        {
            var length = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < length; i++)
            {
                hash = (hash ^ utf8[i]) * FnvPrime;
            }
        }

        hash ^= hash >> 16;
        hash *= 0x85EBCA6B;
        hash ^= hash >> 13;
        hash *= 0xC2B2AE35;
        hash ^= hash >> 16;
        return hash;
    }
}
