using Presence.Cluster.Runtime;

namespace Presence.Cluster.Tests.Runtime;

public sealed class RendezvousHashTests
{
    private static readonly string[] Three = ["udp:10.0.0.1:5060", "udp:10.0.0.2:5060", "udp:10.0.0.3:5060"];

    // Computed by an independent implementation (Python: FNV-1a 64 over UTF-8 + 0xFF + the partition's 4 bytes
    // little-endian, then MurmurHash3's fmix64). They must never change, or edges and silos of different builds
    // would disagree on who owns a partition.
    [Theory]
    [InlineData("udp:10.0.0.1:5060", 0, 6200670351996157025UL)]
    [InlineData("udp:10.0.0.1:5060", 2826, 9197220500157991949UL)]
    [InlineData("udp:10.0.0.2:5060", 2826, 5639273617296978440UL)]
    [InlineData("silo-ü", 4095, 13064025468419201891UL)]
    public void Weights_are_fixed_values(string candidate, int partition, ulong expected) =>
        Assert.Equal(expected, RendezvousHash.Weight(candidate, partition));

    [Fact]
    public void Choices_are_fixed_values()
    {
        int[] partitions = [0, 1, 2, 3, 4, 5, 6, 7, 2826, 4095];
        int[] expected = [2, 0, 0, 2, 1, 1, 1, 1, 0, 1];
        Assert.Equal(expected, partitions.Select(p => RendezvousHash.Choose(p, Three)).ToArray());
    }

    [Fact]
    public void The_order_of_the_candidates_does_not_change_the_owner()
    {
        string[] reversed = Three.Reverse().ToArray();
        for (int p = 0; p < 4096; p++)
            Assert.Equal(Three[RendezvousHash.Choose(p, Three)], reversed[RendezvousHash.Choose(p, reversed)]);
    }

    [Fact]
    public void Partitions_spread_evenly_over_candidates()
    {
        string[] five = Enumerable.Range(1, 5).Select(i => $"udp:10.0.0.{i}:5060").ToArray();
        var owned = new int[five.Length];
        for (int p = 0; p < 4096; p++)
            owned[RendezvousHash.Choose(p, five)]++;
        // 819.2 partitions each on average; the binomial standard deviation is about 25.6.
        Assert.All(owned, count => Assert.InRange(count, 819 * 0.88, 819 * 1.12));
    }

    [Fact]
    public void A_candidate_that_joins_takes_only_its_share_and_nothing_else_moves()
    {
        string[] before = Enumerable.Range(1, 5).Select(i => $"udp:10.0.0.{i}:5060").ToArray();
        string[] after = [.. before, "udp:10.0.0.6:5060"];
        int moved = 0;
        for (int p = 0; p < 4096; p++)
        {
            string was = before[RendezvousHash.Choose(p, before)];
            string now = after[RendezvousHash.Choose(p, after)];
            if (was == now)
                continue;
            // Every partition that moves goes to the newcomer; none moves between the old candidates.
            Assert.Equal("udp:10.0.0.6:5060", now);
            moved++;
        }
        // The newcomer's fair share is 4096 / 6 = 683.
        Assert.InRange(moved, 683 * 0.85, 683 * 1.15);
    }

    [Fact]
    public void A_candidate_that_leaves_gives_up_only_its_own_partitions()
    {
        string[] before = Enumerable.Range(1, 6).Select(i => $"udp:10.0.0.{i}:5060").ToArray();
        string[] after = before.Where(c => c != "udp:10.0.0.3:5060").ToArray();
        int moved = 0;
        for (int p = 0; p < 4096; p++)
        {
            string was = before[RendezvousHash.Choose(p, before)];
            string now = after[RendezvousHash.Choose(p, after)];
            if (was == "udp:10.0.0.3:5060")
                moved++;
            else
                Assert.Equal(was, now);
        }
        Assert.InRange(moved, 683 * 0.85, 683 * 1.15);
    }

    [Fact]
    public void One_candidate_owns_everything_and_an_empty_list_is_refused()
    {
        Assert.Equal(0, RendezvousHash.Choose(17, ["udp:10.0.0.1:5060"]));
        Assert.Throws<ArgumentException>(() => RendezvousHash.Choose(17, []));
        Assert.Throws<ArgumentNullException>(() => RendezvousHash.Choose(17, null!));
    }
}
