using System.Globalization;
using Presence.LoadGen.Measure;
using Presence.LoadGen.Sip;

namespace Presence.LoadGen.Workloads;

/// <summary>
/// N users subscribe to each other, k watchers each (a morning's logins: every client subscribes to its contacts).
/// User w's r-th SUBSCRIBE goes to user w+1+r, so each user gets exactly k watchers. The change is the SUBSCRIBE
/// itself; the NOTIFY that answers it is the first of its dialog.
/// </summary>
internal sealed class SubscriptionStorm(LoadOptions options) : Workload(options)
{
    private readonly List<SimUser> _users = [];

    public override string Name => "subscribe";

    public override int UserCount => Users;

    public override long MaxCount => Math.Min(Options.Count ?? (long)Users * Watchers, (long)Users * Watchers);

    public override IReadOnlyList<KeyValuePair<string, string>> Parameters =>
    [
        new("users", Users.ToString(CultureInfo.InvariantCulture)),
        new("watchers per user", Watchers.ToString(CultureInfo.InvariantCulture)),
        new("subscribe expires", (Options.SubscribeExpires ?? 0).ToString(CultureInfo.InvariantCulture) + " s"),
    ];

    public override Task SetupAsync(LoadContext context, CancellationToken cancellationToken)
    {
        for (int i = 0; i < Users; i++)
            _users.Add(context.NewUser("s"));
        return Task.CompletedTask;
    }

    public override async Task<Change?> RunOneAsync(LoadContext context, long index)
    {
        int round = (int)(index / Users);
        int w = (int)(index % Users);
        SimUser watcher = _users[w];
        SimUser presentity = _users[(w + 1 + round) % Users];
        Change change = context.Tracker.Begin(presentity, 0, expected: 1);
        var subscription = new WatcherSubscription(watcher, presentity, change);
        context.Tracker.Track(subscription);
        return Settle(context, change, await context.Client.SubscribeAsync(subscription, context.RunStats).ConfigureAwait(false));
    }
}
