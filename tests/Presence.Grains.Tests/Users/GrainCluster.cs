using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;
using Presence.Core;
using Presence.Core.Model;
using Presence.Grains.Notify;
using Presence.Grains.Storage;
using Presence.Grains.Tests.Storage;

namespace Presence.Grains.Tests.Users;

/// <summary>
/// Orleans' in-process test cluster with the users' grains on a real SQLite store (a file of the test's own) and
/// group commit, exactly as the server wires them; only the NOTIFY transport is a recorder (the grains' side of it is
/// what is tested here; the SIP side has tests of its own). Every call from <see cref="Grains"/> crosses Orleans'
/// serializer, as a call from another silo does.
/// </summary>
internal sealed class GrainCluster : IAsyncDisposable
{
    private readonly TempDatabase _database;
    private readonly InProcessTestCluster _cluster;
    private bool _keepDatabase;

    private GrainCluster(TempDatabase database, SqliteGrainStore store, GroupCommitter committer, InProcessTestCluster cluster)
    {
        _database = database;
        Store = store;
        Committer = committer;
        _cluster = cluster;
    }

    /// <summary>The rules the test silos run with: short minimum expiries, so expiry can be watched in real time.</summary>
    public static PresenceOptions Rules { get; } = new() { MinRegisterExpires = 1, MinPublishExpires = 1, MinSubscribeExpires = 1 };

    public SqliteGrainStore Store { get; }

    public GroupCommitter Committer { get; }

    public RecordingDelivery Delivery { get; } = new();

    public ConcurrentQueue<(string Aor, HistoryEntry Entry)> Changes { get; } = new();

    public IGrainFactory Grains => _cluster.Client;

    public InProcessTestCluster Cluster => _cluster;

    public static async Task<GrainCluster> StartAsync(short silos = 1, string? databasePath = null)
    {
        var database = new TempDatabase(databasePath);
        var store = await database.OpenAsync();
        var committer = new GroupCommitter(store);
        GrainCluster? harness = null;
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IGrainStore>(store);
            silo.Services.AddSingleton(committer);
            silo.Services.AddSingleton(Rules);
            silo.Services.AddSingleton<INotifyDelivery>(_ => harness!.Delivery);
            silo.Services.AddSingleton<IPresenceChangeSink>(_ => new ChangeRecorder(harness!.Changes));
            silo.AddPresenceGrains(sweep =>
            {
                sweep.Interval = TimeSpan.FromMilliseconds(100);
                sweep.KeepAliveInterval = TimeSpan.FromMilliseconds(500);
            });
        });
        var cluster = builder.Build();
        harness = new GrainCluster(database, store, committer, cluster);
        await cluster.DeployAsync();
        return harness;
    }

    public IPresentityGrain User(string aor) => Grains.GetGrain<IPresentityGrain>(aor);

    /// <summary>Takes the user out of memory now (as the idle timeout or a silo's departure would).</summary>
    public Task DeactivateAsync(string aor) => _cluster.DeactivateAsync(User(aor));

    /// <summary>Stops every silo and closes the store, leaving the database file for a cluster started on it again.</summary>
    public async Task<string> StopKeepingDatabaseAsync()
    {
        await _cluster.DisposeAsync();
        await Committer.DisposeAsync();
        await Store.DisposeAsync();
        _keepDatabase = true;
        return _database.Path;
    }

    public async ValueTask DisposeAsync()
    {
        if (_keepDatabase)
            return;
        await _cluster.DisposeAsync();
        await Committer.DisposeAsync();
        await Store.DisposeAsync();
        _database.Dispose();
    }

    private sealed class ChangeRecorder(ConcurrentQueue<(string, HistoryEntry)> changes) : IPresenceChangeSink
    {
        public void Changed(string aor, HistoryEntry entry) => changes.Enqueue((aor, entry));
    }
}

/// <summary>Keeps every NOTIFY the grains hand over, in order, and lets a test wait for one.</summary>
internal sealed class RecordingDelivery : INotifyDelivery
{
    private readonly List<(string Aor, NotifyMessage Notify)> _sent = [];

    public IReadOnlyList<(string Aor, NotifyMessage Notify)> Sent
    {
        get
        {
            lock (_sent)
                return _sent.ToList();
        }
    }

    /// <summary>While true, every delivery fails (no SIP node could take the NOTIFYs), and nothing is recorded.</summary>
    public bool Failing { get; set; }

    public Task<bool> DeliverAsync(string aor, IReadOnlyList<NotifyMessage> notifies, long turnAt)
    {
        if (Failing)
            return Task.FromResult(false);
        lock (_sent)
            _sent.AddRange(notifies.Select(n => (aor, n)));
        return Task.FromResult(true);
    }

    public void Clear()
    {
        lock (_sent)
            _sent.Clear();
    }

    /// <summary>The NOTIFYs of one watcher's dialog, in the order they were handed over.</summary>
    public IReadOnlyList<NotifyMessage> To(string callId) => Sent.Where(s => s.Notify.CallId == callId).Select(s => s.Notify).ToList();

    public async Task<NotifyMessage> WaitForAsync(Func<NotifyMessage, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Sent.Select(s => s.Notify).LastOrDefault(match) is { } found)
                return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("No such NOTIFY within " + timeout + "; sent: " + string.Join(" | ", Sent.Select(s => s.Notify.CSeq + " " + s.Notify.SubscriptionState)));
            await Task.Delay(20);
        }
    }
}
