using Orleans.Storage;

namespace Presence.Storage.Benchmarks;

/// <summary>
/// A presentity grain on Persistence.AdoNet: its state is one <see cref="PresentityDocument"/>; a write replaces one
/// subscription in it, and the provider serializes and stores the whole document.
/// </summary>
public sealed class WholeStateWriter(IGrainStorage storage, int grain, int items) : GrainWriter(storage, grain, items)
{
    private readonly GrainState<PresentityDocument> _state = new(new PresentityDocument());

    /// <summary>The state as the grain holds it now.</summary>
    public PresentityDocument Document => _state.State!;

    public override async Task ReadAsync()
    {
        await Storage.ReadStateAsync(StateName, GrainId, _state).ConfigureAwait(false);
        StoredVersion = VersionOf(_state.ETag);
        Revision = StoredVersion;
    }

    public override Task SeedAsync()
    {
        var document = new PresentityDocument { NextDueAt = DueAt(Revision) };
        for (var item = 0; item < Items; item++)
        {
            document.Items.Add(Entry(item, Revision));
        }

        _state.State = document;
        return Storage.WriteStateAsync(StateName, GrainId, _state);
    }

    public override void StageNext()
    {
        Revision++;
        var document = _state.State!;
        if (document.Items.Count != Items)
        {
            throw new InvalidOperationException($"{GrainId} holds {document.Items.Count} items, not {Items}: was it seeded?");
        }

        var item = (int)(Revision % Items);
        document.Items[item] = Entry(item, Revision);
        document.NextDueAt = DueAt(Revision);
    }

    public override Task WriteAsync() => Storage.WriteStateAsync(StateName, GrainId, _state);

    private PresentityEntry Entry(int item, long revision) =>
        new(SubscriptionPayload.Kind, SubscriptionPayload.Key(item), SubscriptionPayload.Text(Grain, item, revision));
}
