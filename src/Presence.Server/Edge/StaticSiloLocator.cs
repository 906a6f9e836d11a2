using Presence.Cluster.Runtime;
using Presence.Server.Cluster;
using Presence.Server.Sip;
using Presence.Sip.Transport;

namespace Presence.Server.Edge;

/// <summary>
/// The silos of a configuration-only cluster (<c>Edge:Silos</c>): an AOR's partition goes to the silo that
/// rendezvous hashing picks among them, so that every edge with the same list agrees, and adding or removing
/// a silo moves only the partitions that must move. No membership, no health: a dead silo's users wait for
/// the operator (the PostgreSQL membership locator is the one that follows the cluster).
/// </summary>
public sealed class StaticSiloLocator : ISiloLocator
{
    /// <summary>The grain runtime's partition count (GrainRuntimeOptions.Partitions): a partition is the unit
    /// that moves between silos, so edges and silos must cut the AOR space the same way.</summary>
    public const int Partitions = 4096;

    private readonly SipDestination[] _silos;
    private readonly string[] _names;
    private readonly SipDestination? _self;
    private readonly int _retryAfterSeconds;

    /// <param name="silos">The silos' UDP addresses.</param>
    /// <param name="self">This process's own address when it is one of the silos (role both): its users are Local.</param>
    /// <param name="retryAfterSeconds">Retry-After of the 503 when there is no silo at all.</param>
    public StaticSiloLocator(IEnumerable<SipDestination> silos, SipDestination? self = null, int retryAfterSeconds = 5)
    {
        ArgumentNullException.ThrowIfNull(silos);
        _silos = silos.Select(SignedFlowToken.Normalize).Distinct().ToArray();
        // The hashed names are the canonical text, so "udp:10.0.0.1:05060" and "udp:10.0.0.1:5060" are one silo.
        _names = _silos.Select(FlowToken.Format).ToArray();
        _self = self is { } s ? SignedFlowToken.Normalize(s) : null;
        _retryAfterSeconds = retryAfterSeconds;
    }

    public IReadOnlyList<SipDestination> Silos => _silos;

    public SiloRoute Locate(string aor)
    {
        ArgumentNullException.ThrowIfNull(aor);
        if (_silos.Length == 0)
            return SiloRoute.Unavailable(_retryAfterSeconds);
        var silo = _silos[RendezvousHash.Choose(PartitionHash.PartitionOf(aor, Partitions), _names)];
        return silo == _self ? SiloRoute.Local : SiloRoute.Remote(silo);
    }
}
