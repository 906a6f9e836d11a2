using Presence.Cluster.Runtime;

namespace Presence.Cluster.Membership;

/// <summary>
/// Partition → silo for one membership version: each partition goes to the Active silo that wins it by
/// rendezvous hashing of the silo's name. Computed once per version (4096 partitions × a few silos is a
/// fraction of a millisecond), then every lookup is an array read.
/// </summary>
public sealed class ClusterRing
{
    private readonly int[] _owners;

    public ClusterRing(MembershipSnapshot snapshot, int partitions)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        Version = snapshot.Version;
        Silos = snapshot.Members
            .Where(m => m.Role == MemberRole.Silo && m.Status == MemberStatus.Active)
            .OrderBy(m => m.SiloId, StringComparer.Ordinal)
            .ToArray();
        _owners = new int[partitions];
        for (var p = 0; p < partitions; p++)
        {
            var best = -1;
            ulong bestWeight = 0;
            for (var i = 0; i < Silos.Count; i++)
            {
                // Same rule as RendezvousHash.Choose; silos are in ordinal order, so ties go to the smaller name.
                var weight = RendezvousHash.Weight(Silos[i].SiloId, p);
                if (best < 0 || weight > bestWeight)
                {
                    best = i;
                    bestWeight = weight;
                }
            }

            _owners[p] = best;
        }
    }

    public long Version { get; }

    public int Partitions => _owners.Length;

    /// <summary>The Active silos, in ordinal order of their names.</summary>
    public IReadOnlyList<ClusterMember> Silos { get; }

    /// <summary>The owner of the partition; null when no silo is Active.</summary>
    public ClusterMember? OwnerOf(int partition) => _owners[partition] is var i and >= 0 ? Silos[i] : null;

    public ClusterMember? OwnerOfKey(string key) => OwnerOf(PartitionHash.PartitionOf(key, _owners.Length));

    /// <summary>How many partitions each silo owns (for the dashboard and the tests).</summary>
    public IReadOnlyDictionary<string, int> Shares() =>
        _owners.Where(i => i >= 0).GroupBy(i => Silos[i].SiloId).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}
