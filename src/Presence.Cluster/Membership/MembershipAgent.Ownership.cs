using System.Diagnostics;
using Presence.Cluster.Runtime;

namespace Presence.Cluster.Membership;

/// <summary>The view: applying a new ring version, handover gates, and the ownership questions the runtime asks.</summary>
public sealed partial class MembershipAgent
{
    private volatile OwnershipState _state;
    private volatile MembershipSnapshot? _snapshot;

    /// <summary>The ring in force here.</summary>
    public ClusterRing Ring => _state.Ring;

    /// <summary>The table as last read.</summary>
    public MembershipSnapshot? Snapshot => _snapshot;

    /// <summary>Partitions this silo owns in the ring in force (fenced or not).</summary>
    public int OwnedCount => _state.Owned.Count(owned => owned);

    /// <summary>Owned partitions still waiting for their previous owner to hand over.</summary>
    public int PendingHandovers => _state.Gates.Count(gate => gate is { IsOpen: false });

    public bool Owns(int partition) => !IsFenced && _state.Owned[partition];

    public async ValueTask WaitServableAsync(int partition, CancellationToken ct)
    {
        var state = _state;
        if (IsFenced || !state.Owned[partition])
            throw new PartitionNotOwnedException(partition);
        if (state.Gates[partition] is { IsOpen: false } gate)
        {
            try
            {
                // The refresh loop opens a gate at its deadline; the extra second covers a loop that is stuck on the table.
                await gate.Opened.WaitAsync(_options.HandoverTimeout + TimeSpan.FromSeconds(1), _time, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                gate.Open();
            }

            // The ring may have moved on while this waited.
            if (IsFenced || !_state.Owned[partition])
                throw new PartitionNotOwnedException(partition);
        }
    }

    private async Task ApplyAsync(MembershipSnapshot snapshot, CancellationToken ct)
    {
        await _applyLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _snapshot = snapshot;
            var old = _state;
            if (!old.Initial && snapshot.Version == old.Ring.Version)
            {
                // Same ring (a lease renewal or a drained mark was what changed): only handovers can progress.
                UpdateGates(snapshot, old);
                return;
            }

            var stopwatch = Stopwatch.StartNew();
            var ring = new ClusterRing(snapshot, _options.Partitions);
            var self = snapshot.Find(_template.SiloId, Incarnation);
            var partitions = _options.Partitions;
            var owned = new bool[partitions];
            var gates = new PartitionGate?[partitions];
            int gained = 0, lost = 0;
            if (_template.Role == MemberRole.Silo && self is { Status: MemberStatus.Active })
            {
                // Who held a partition before this view: the previous ring, or for the first view after a join
                // the ring as it would be without this silo (its partitions come from the others).
                var before = old.Initial
                    ? new ClusterRing(snapshot with { Members = snapshot.Members.Where(m => m.SiloId != _template.SiloId).ToList() }, partitions)
                    : old.Ring;
                var deadline = _time.GetTimestamp() + (long)(_options.HandoverTimeout.TotalSeconds * _time.TimestampFrequency);
                for (var p = 0; p < partitions; p++)
                {
                    owned[p] = ring.OwnerOf(p) is { } owner && owner.SameIncarnation(self);
                    if (!owned[p])
                        continue;
                    if (old.Owned[p])
                    {
                        gates[p] = old.Gates[p];
                        continue;
                    }

                    gained++;
                    if (before.OwnerOf(p) is { } previous && !previous.SameIncarnation(self)
                        && snapshot.Find(previous.SiloId, previous.Incarnation) is { IsLive: true } now
                        && now.DrainedVersion < ring.Version)
                    {
                        gates[p] = new PartitionGate(previous, ring.Version, deadline);
                    }
                }
            }

            for (var p = 0; p < partitions; p++)
            {
                if (old.Owned[p] && !owned[p])
                    lost++;
            }

            var state = new OwnershipState(ring, owned, gates);
            _state = state;
            UpdateGates(snapshot, state);
            MembershipLog.ViewChanged(_logger, ring.Version, ring.Silos.Count, gained, lost);
            CountView(gained, lost);

            if (_template.Role == MemberRole.Silo && self is { IsLive: true })
            {
                if (lost > 0 && Releaser is { } releaser)
                {
                    // Everything not owned now goes, not just what this view took away.
                    await releaser.ReleaseAsync(p => !owned[p], ct).ConfigureAwait(false);
                    MembershipLog.Released(_logger, lost, ring.Version, stopwatch.ElapsedMilliseconds);
                }

                // Every version, even with nothing lost: a silo that gained from this one by an older view waits for it.
                await _table.MarkDrainedAsync(_template.SiloId, Incarnation, ring.Version, ct).ConfigureAwait(false);
            }

            RingChanged?.Invoke(ring);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    private void UpdateGates(MembershipSnapshot snapshot, OwnershipState state)
    {
        var now = _time.GetTimestamp();
        foreach (var gate in state.Gates)
        {
            if (gate is null || gate.IsOpen)
                continue;
            var previous = snapshot.Find(gate.PreviousOwner.SiloId, gate.PreviousOwner.Incarnation);
            if (previous is null || !previous.IsLive || previous.DrainedVersion >= gate.Version)
            {
                gate.Open();
            }
            else if (now > gate.Deadline)
            {
                MembershipLog.HandoverTimedOut(_logger, Array.IndexOf(state.Gates, gate), gate.PreviousOwner.SiloId);
                gate.Open();
            }
        }
    }
}
