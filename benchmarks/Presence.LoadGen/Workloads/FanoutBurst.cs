using System.Globalization;
using Presence.LoadGen.Measure;
using Presence.LoadGen.Sip;

namespace Presence.LoadGen.Workloads;

/// <summary>
/// PUBLISHes to presentities with k = 1, 10, 40, 200 watchers (each watcher a distinct user), in turn, so that each
/// fan-out size gets the same number of changes and its own latency figures: how a change's cost grows with k.
/// </summary>
internal sealed class FanoutBurst(LoadOptions options) : Workload(options)
{
    private readonly List<List<SimUser>> _presentities = [];

    public override string Name => "fanout";

    public override IReadOnlyList<string> Groups { get; } = options.FanoutWatchers.Select(k => "k=" + k.ToString(CultureInfo.InvariantCulture)).ToArray();

    public override int UserCount => Options.FanoutWatchers.Sum(k => Options.PresentitiesPerGroup * (k + 1));

    public override long MaxCount => Options.Count ?? long.MaxValue;

    public override IReadOnlyList<KeyValuePair<string, string>> Parameters =>
    [
        new("watchers per presentity", string.Join(", ", Options.FanoutWatchers)),
        new("presentities per size", Options.PresentitiesPerGroup.ToString(CultureInfo.InvariantCulture)),
        new("document size", (Options.DocumentSize ?? 0).ToString(CultureInfo.InvariantCulture) + " B (0: minimal)"),
        new("event package", Options.Package),
    ];

    public override async Task SetupAsync(LoadContext context, CancellationToken cancellationToken)
    {
        var pairs = new List<(SimUser, SimUser)>();
        foreach (int k in Options.FanoutWatchers)
        {
            var group = new List<SimUser>();
            for (int p = 0; p < Options.PresentitiesPerGroup; p++)
            {
                SimUser presentity = context.NewUser($"f{k}p");
                group.Add(presentity);
                for (int w = 0; w < k; w++)
                    pairs.Add((context.NewUser($"f{k}w"), presentity));
            }
            _presentities.Add(group);
        }
        await EstablishAsync(context, pairs, cancellationToken).ConfigureAwait(false);
    }

    // The sizes take turns; within a size the presentities do, and one still waiting for its previous answer lets the
    // next free one take the change, so that the size keeps its share of the rate.
    public override Task<Change?> RunOneAsync(LoadContext context, long index)
    {
        int group = (int)(index % _presentities.Count);
        var presentities = _presentities[group];
        int first = (int)(index / _presentities.Count % presentities.Count);
        return PublishChangeAsync(context, presentities, first, tries: presentities.Count, group);
    }
}
