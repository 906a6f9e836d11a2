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
    private WatcherSubscription[] _dialogs = [];
    private string _prefix = string.Empty;

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
        // Millions of dialogs: an array found by the Call-ID's numbers, not a table of strings, so that the load
        // generator's heap (and its collections, which delay what it receives) stays small.
        _dialogs = new WatcherSubscription[(long)Users * Watchers];
        for (int p = 0; p < Users; p++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int k = 0; k < Watchers; k++)
            {
                // The Call-ID and tag are the layout's, made again only when needed; nothing is sent in these dialogs.
                _dialogs[(long)p * Watchers + k] = new WatcherSubscription(_users[layout.WatcherOf(p, k)], _users[p], string.Empty, string.Empty)
                {
                    // The store's subscription had its first NOTIFY when it was made; the next NOTIFY is a change's.
                    HasFirstNotify = true,
                };
                _users[p].AddWatcher();
            }
        }
        _prefix = Options.RunId + "-s";
        context.Tracker.Resolve = Resolve;
        _order = (SimUser[])_users.Clone();
        context.Random.Shuffle(_order);
        return Task.CompletedTask;
    }

    // "RUNID-s<presentity>-<k>@loadgen" (SeededLayout.CallId) to its dialog; anything else is not ours.
    private WatcherSubscription? Resolve(string callId)
    {
        ReadOnlySpan<char> rest = callId.AsSpan();
        if (!rest.StartsWith(_prefix, StringComparison.Ordinal))
            return null;
        rest = rest[_prefix.Length..];
        int dash = rest.IndexOf('-'), at = rest.IndexOf('@');
        if (dash <= 0 || at <= dash
            || !int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out int p)
            || !int.TryParse(rest[(dash + 1)..at], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            || p >= Users || k >= Watchers)
            return null;
        return _dialogs[(long)p * Watchers + k];
    }

    public override Task<Change?> RunOneAsync(LoadContext context, long index) =>
        PublishChangeAsync(context, _order, (int)(index % _order.Length), tries: 1, group: 0);
}
