using Presence.Cluster.Runtime;

namespace Presence.Cluster.Tests.Runtime;

public sealed class PartitionHashTests
{
    // Computed by an independent implementation (FNV-1a 32 over UTF-8, then MurmurHash3's fmix32): these
    // must never change, or silos of different builds would disagree on where a user lives.
    [Theory]
    [InlineData("", 3083)]
    [InlineData("a", 435)]
    [InlineData("sip:alice@example.com", 2826)]
    [InlineData("sip:bob@example.com", 1734)]
    [InlineData("sip:jürgen@example.de", 320)]
    [InlineData("sip:用户@example.cn", 3374)]
    public void Partitions_are_fixed_values(string key, int expected) => Assert.Equal(expected, PartitionHash.PartitionOf(key, 4096));

    [Fact]
    public void Other_partition_counts_take_the_same_hash_modulo()
    {
        Assert.Equal(6, PartitionHash.PartitionOf("sip:alice@example.com", 7));
        Assert.Equal(1, PartitionHash.PartitionOf("sip:jürgen@example.de", 7));
        Assert.Equal(0, PartitionHash.PartitionOf("anything", 1));
    }

    [Fact]
    public void A_lone_surrogate_hashes_as_the_replacement_character_as_UTF8_encoders_write_it() =>
        Assert.Equal(PartitionHash.PartitionOf("sip:\uFFFD@x", 4096), PartitionHash.PartitionOf("sip:\uD800@x", 4096));

    [Fact]
    public void Keys_spread_evenly_over_partitions_and_workers()
    {
        var partitions = new int[4096];
        var workers = new int[16];
        for (var i = 0; i < 100_000; i++)
        {
            var partition = PartitionHash.PartitionOf($"sip:user{i}@example.com", 4096);
            partitions[partition]++;
            workers[partition % 16]++;
        }

        // 24.4 keys per partition on average; a fair hash stays within a few standard deviations (~4.9).
        Assert.All(partitions, count => Assert.InRange(count, 5, 50));
        Assert.All(workers, count => Assert.InRange(count, 6250 * 0.95, 6250 * 1.05));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => PartitionHash.PartitionOf(null!, 4096));
        Assert.Throws<ArgumentOutOfRangeException>(() => PartitionHash.PartitionOf("a", 0));
    }
}
