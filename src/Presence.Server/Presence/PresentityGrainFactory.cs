using Presence.Cluster.Runtime;
using Presence.Core.Presentity;

namespace Presence.Server.Presence;

/// <summary>Activates a user's grain from its stored rows; expiries that passed while it slept are acted on at once.</summary>
public sealed class PresentityGrainFactory(PresenceGrainServices services) : IGrainFactory<PresentityGrain>
{
    public string GrainType => PresentityGrain.GrainType;

    public async ValueTask<PresentityGrain> ActivateAsync(string key, CancellationToken ct)
    {
        var snapshot = await services.Store.ReadAsync(PresentityGrain.GrainType, key, ct).ConfigureAwait(false);
        var presentity = Presentity.Load(
            key, snapshot?.Items.Select(i => (i.Kind, i.Key, i.Payload)) ?? [], services.Time.GetUtcNow(), services.Options);
        var grain = new PresentityGrain(key, presentity, snapshot?.Version ?? 0, services);
        // What Load found to do (expiries during downtime, CSeq reservations) is written and notified like any turn.
        await grain.RunAsync((_, _) => null, ct: ct).ConfigureAwait(false);
        return grain;
    }
}
