using Presence.LoadGen.Documents;
using Presence.LoadGen.Measure;
using Presence.LoadGen.Sip;
using Presence.Sip.Transactions;

namespace Presence.LoadGen.Workloads;

/// <summary>
/// One workload: who the simulated users are, what is set up before measuring (the watchers' subscriptions), and the
/// change each operation of the measured phase makes.
/// </summary>
internal abstract class Workload(LoadOptions options)
{
    protected LoadOptions Options { get; } = options;

    /// <summary>Users (register, subscribe, steady), resolved.</summary>
    protected int Users => Options.Users ?? 0;

    /// <summary>Watchers per user (register, subscribe), resolved.</summary>
    protected int Watchers => Options.Watchers ?? 0;

    public abstract string Name { get; }

    /// <summary>The latency groups changes are counted in.</summary>
    public virtual IReadOnlyList<string> Groups { get; } = ["all"];

    /// <summary>Every simulated user, watchers included: it sizes the socket pool.</summary>
    public abstract int UserCount { get; }

    /// <summary>The most operations the measured phase may start (the storms: one per user or per subscription).</summary>
    public abstract long MaxCount { get; }

    /// <summary>The workload's parameters, for the report.</summary>
    public abstract IReadOnlyList<KeyValuePair<string, string>> Parameters { get; }

    public abstract Task SetupAsync(LoadContext context, CancellationToken cancellationToken);

    /// <summary>One operation of the measured phase; see <see cref="Drive.LoadDriver"/>.</summary>
    public abstract Task<Change?> RunOneAsync(LoadContext context, long index);

    public static Workload Create(LoadOptions options) => options.Workload switch
    {
        WorkloadKind.Register => new RegistrationStorm(options),
        WorkloadKind.Subscribe => new SubscriptionStorm(options),
        WorkloadKind.Steady => new SteadyState(options),
        WorkloadKind.Seeded => new SeededSteady(options),
        _ => new FanoutBurst(options),
    };

    /// <summary>
    /// Subscribes each watcher to its presentity, <see cref="LoadOptions.SetupConcurrency"/> at a time, and waits for
    /// each first NOTIFY: a presentity's watcher count (what its changes owe) counts only subscriptions that are live.
    /// </summary>
    protected static async Task EstablishAsync(
        LoadContext context, IReadOnlyList<(SimUser Watcher, SimUser Presentity)> pairs, CancellationToken cancellationToken)
    {
        long next = -1;
        async Task WorkerAsync()
        {
            long i;
            while (!cancellationToken.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < pairs.Count)
            {
                var (watcher, presentity) = pairs[(int)i];
                var subscription = new WatcherSubscription(watcher, presentity);
                context.Tracker.Track(subscription);
                var result = await context.Client.SubscribeAsync(subscription, context.SetupStats).ConfigureAwait(false);
                if (result.StatusCode is < 200 or >= 300)
                    continue;
                try
                {
                    await subscription.FirstNotify.WaitAsync(context.Options.NotifyTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    context.CountSetupWithoutNotify();
                    continue;
                }
                if (!subscription.Terminated)
                    presentity.AddWatcher();
            }
        }
        int workers = Math.Min(context.Options.SetupConcurrency, Math.Max(1, pairs.Count));
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(WorkerAsync, CancellationToken.None))).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The change, when its request succeeded; otherwise it owes no NOTIFY and null is returned.</summary>
    protected static Change? Settle(LoadContext context, Change change, ClientTransactionResult result)
    {
        if (result.StatusCode is >= 200 and < 300)
            return change;
        context.Tracker.Abandon(change);
        return null;
    }

    /// <summary>
    /// PUBLISHes a new document carrying the change's marker for the first of <paramref name="candidates"/>, from
    /// <paramref name="first"/> on, whose previous PUBLISH is answered (its entity-tag is about to change until then);
    /// skipped when all of them are waiting. <paramref name="tries"/> bounds how many are looked at.
    /// </summary>
    protected static async Task<Change?> PublishChangeAsync(LoadContext context, IReadOnlyList<SimUser> candidates, int first, int tries, int group)
    {
        SimUser? presentity = null;
        for (int i = 0; i < Math.Min(tries, candidates.Count) && presentity is null; i++)
        {
            SimUser candidate = candidates[(first + i) % candidates.Count];
            if (candidate.TryAcquire())
                presentity = candidate;
        }
        if (presentity is null)
        {
            context.CountSkipped();
            return null;
        }
        try
        {
            Change change = context.Tracker.Begin(presentity, group);
            byte[] document = context.Options.IsDialog
                ? PresenceDocuments.DialogInfo(presentity.Aor, change.Seq)
                : PresenceDocuments.Pidf(presentity.Aor, change.Seq, context.Options.DocumentSize ?? 0);
            return Settle(context, change, await context.Client.PublishAsync(presentity, document, context.RunStats).ConfigureAwait(false));
        }
        finally
        {
            presentity.Release();
        }
    }
}
