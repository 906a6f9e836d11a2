using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Presence.Grains.Storage;
using Presence.Core.Presentity;
using Presence.LoadGen.Sip;

namespace Presence.LoadGen.Seeding;

/// <summary>What <c>seed</c> wrote.</summary>
public sealed record SeedResult(int Users, long Subscriptions, long Rows, TimeSpan Elapsed, long FileBytes);

/// <summary>
/// Writes a seeded run's users into the server's SQLite store before the server starts: each user's subscriptions
/// are made by the server's own presence logic (<see cref="Presentity.Subscribe"/>, so the rows are exactly what a
/// SUBSCRIBE would have stored, CSeq reservations and all) and written through its store, a user per grain write,
/// a thousand users per transaction. Hundreds of thousands of users with 40 watchers each would take an hour of
/// SUBSCRIBEs; this takes minutes. The watchers' Contact and flow name the sockets the seeded run will bind.
/// </summary>
public static class StoreSeeder
{
    private const string GrainType = "presentity";
    private const int UsersPerBatch = 1000;

    public static async Task<SeedResult> SeedAsync(LoadOptions options, Action<string> progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Resolve() with { Workload = WorkloadKind.Seeded };
        if (options.Validate() is { } error)
            throw new ArgumentException(error, nameof(options));
        string path = Path.GetFullPath(options.StorePath ?? throw new ArgumentException("seed needs --store FILE (the server's Presence:DatabasePath).", nameof(options)));
        if (File.Exists(path))
            throw new ArgumentException($"--store: {path} exists; seed a new file (the server must not be running on it).", nameof(options));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        var layout = new SeededLayout(options);
        IReadOnlyList<IPEndPoint> sockets = EndpointPool.Layout(options, layout.Users);
        string[] sentBy = sockets.Select(s => s.Address + ":" + s.Port.ToString(CultureInfo.InvariantCulture)).ToArray();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        long rows = 0;
        await using (var store = new SqliteGrainStore(path, NullLogger.Instance))
        {
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            var batch = new List<GrainWrite>(UsersPerBatch);
            for (int p = 0; p < layout.Users; p++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                batch.Add(UserWrite(layout, sentBy, p, options.SubscribeExpires!.Value, now));
                rows += batch[^1].Upserts.Count;
                if (batch.Count == UsersPerBatch || p == layout.Users - 1)
                {
                    IReadOnlyList<WriteResult> results = await store.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                    int refused = results.Count(r => r.Status != WriteStatus.Committed);
                    if (refused > 0)
                        throw new InvalidOperationException($"The store refused {refused} seeded users: seed a new file.");
                    batch.Clear();
                    if ((p + 1) % 50_000 == 0 || p == layout.Users - 1)
                        progress($"{p + 1:N0} of {layout.Users:N0} users written ({clock.Elapsed.TotalSeconds:F0} s)");
                }
            }
        }
        return new SeedResult(layout.Users, (long)layout.Users * layout.Watchers, rows, clock.Elapsed, new FileInfo(path).Length);
    }

    // One user: its k subscriptions as the server would have stored them, ready to write as the grain's first version.
    private static GrainWrite UserWrite(SeededLayout layout, string[] sentBy, int p, int expires, DateTimeOffset now)
    {
        string aor = layout.Aor(p);
        var presentity = new Presentity(aor);
        for (int k = 0; k < layout.Watchers; k++)
        {
            int w = layout.WatcherOf(p, k);
            string watcherAor = layout.Aor(w);
            string where = sentBy[w % sentBy.Length];
            var outcome = presentity.Subscribe(new SubscribeRequest(
                layout.CallId(p, k), SeededLayout.FromTag(p, k), NotifierTag: null, watcherAor, watcherAor,
                RemoteTarget: $"sip:{layout.UserName(w)}@{where}", RouteSet: [], EventId: null, expires,
                AcceptsDocument: true, Flow: "udp:" + where), now);
            if (outcome.StatusCode != 200)
                throw new InvalidOperationException($"Seeding {aor}: its subscription from {watcherAor} was refused ({outcome.StatusCode} {outcome.Reason}).");
        }
        var changes = presentity.TakeChanges();
        return new GrainWrite(
            GrainType, aor, ExpectedVersion: 0,
            changes.Upserts.Select(u => new StoredItem(u.Kind, u.Key, u.Payload)).ToList(),
            changes.Deletes.ToList(),
            presentity.NextDueAt,
            []);
    }
}
