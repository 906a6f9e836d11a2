using System.Text;
using Orleans.Storage;
using Presence.Grains.Storage;

namespace Presence.Storage.Benchmarks;

/// <summary>
/// A presentity grain on our provider: its state is an <see cref="ItemizedState"/>, and a write stages only what
/// changed, here one subscription's item (an upsert) and the grain's next due time.
/// </summary>
public sealed class ItemizedWriter(IGrainStorage storage, int grain, int items) : GrainWriter(storage, grain, items)
{
    private readonly GrainState<ItemizedState> _state = new(new ItemizedState());

    public override async Task ReadAsync()
    {
        await Storage.ReadStateAsync(StateName, GrainId, _state).ConfigureAwait(false);
        StoredVersion = VersionOf(_state.ETag);
        Revision = StoredVersion;
    }

    public override Task SeedAsync()
    {
        var upserts = new StoredItem[Items];
        for (var item = 0; item < Items; item++)
        {
            upserts[item] = Item(item, Revision);
        }

        _state.State!.Stage(upserts, [], [], DueAt(Revision));
        return Storage.WriteStateAsync(StateName, GrainId, _state);
    }

    public override void StageNext()
    {
        Revision++;
        _state.State!.Stage([Item((int)(Revision % Items), Revision)], [], [], DueAt(Revision));
    }

    public override Task WriteAsync() => Storage.WriteStateAsync(StateName, GrainId, _state);

    private StoredItem Item(int item, long revision) =>
        new(SubscriptionPayload.Kind, SubscriptionPayload.Key(item), Encoding.ASCII.GetBytes(SubscriptionPayload.Text(Grain, item, revision)));
}
