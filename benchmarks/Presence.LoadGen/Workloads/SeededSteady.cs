using System.Globalization;
using Presence.LoadGen.Measure;
using Presence.LoadGen.Seeding;
using Presence.LoadGen.Sip;

namespace Presence.LoadGen.Workloads;

/// <summary>
/// The Skype for Business user model at full scale: N users, k watchers each (40 by default), every subscription
/// already in the server's store (written by <c>seed</c> with the same options), 4 PUBLISHes of ~4 KB per user per
/// hour in real time (<see cref="LoadOptions.Speedup"/> 1). Nothing is activated beforehand: a user's PUBLISH finds it
/// on disk, as it would a user idle for longer than the server's idle timeout (10 minutes; the model's users publish
/// every 15), so each change pays for an activation. The setup sends nothing: it only rebuilds, from the layout, the
/// dialogs the store holds, so that every NOTIFY is traced as in the other workloads.
/// </summary>
internal sealed class SeededSteady(LoadOptions options) : Workload(options)
{
    private SimUser[] _users = [];
    private SimUser[] _order = [];

    public override string Name => "seeded";

    public override int UserCount => Users;

    public override long MaxCount => Options.Count ?? long.MaxValue;

    public override IReadOnlyList<KeyValuePair<string, string>> Parameters =>
    [
        new("users", Users.ToString(CultureInfo.InvariantCulture)),
        new("watchers per user", Watchers.ToString(CultureInfo.InvariantCulture)),
        new("subscriptions (seeded)", ((long)Users * Watchers).ToString(CultureInfo.InvariantCulture)),
        new("publishes per user per hour", Options.PublishesPerHour.ToString(CultureInfo.InvariantCulture)),
        new("speedup", (Options.Speedup ?? 1).ToString(CultureInfo.InvariantCulture) + "x"),
        new("document size", (Options.DocumentSize ?? 0).ToString(CultureInfo.InvariantCulture) + " B"),
        new("warm-up (not in the latencies)", Options.Warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s"),
    ];

    public override Task SetupAsync(LoadContext context, CancellationToken cancellationToken)
    {
        var layout = new SeededLayout(Options);
        _users = new SimUser[Users];
        for (int i = 0; i < Users; i++)
        {
            _users[i] = context.NewUser("u");
            if (_users[i].Name != layout.UserName(i))
                throw new InvalidOperationException($"User {i} is {_users[i].Name}, the layout says {layout.UserName(i)}: users were made before the setup.");
        }
        for (int p = 0; p < Users; p++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int k = 0; k < Watchers; k++)
            {
                var subscription = new WatcherSubscription(_users[layout.WatcherOf(p, k)], _users[p], layout.CallId(p, k), SeededLayout.FromTag(p, k))
                {
                    // The store's subscription had its first NOTIFY when it was made; the next NOTIFY is a change's.
                    HasFirstNotify = true,
                };
                context.Tracker.Track(subscription);
                _users[p].AddWatcher();
            }
        }
        _order = (SimUser[])_users.Clone();
        context.Random.Shuffle(_order);
        return Task.CompletedTask;
    }

    public override Task<Change?> RunOneAsync(LoadContext context, long index) =>
        PublishChangeAsync(context, _order, (int)(index % _order.Length), tries: 1, group: 0);
}
