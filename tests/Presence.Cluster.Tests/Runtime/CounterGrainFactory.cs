using System.Collections.Concurrent;
using Presence.Cluster.Runtime;
using Presence.Cluster.Storage;
using Presence.Cluster.Tests.Storage;

namespace Presence.Cluster.Tests.Runtime;

/// <summary>Makes <see cref="CounterGrain"/>s over a SQLite file of the test's own, counting activations.</summary>
internal sealed class CounterGrainFactory : IGrainFactory<CounterGrain>, IAsyncDisposable
{
    private readonly TempDatabase _database;
    private readonly ConcurrentDictionary<string, int> _activations = new(StringComparer.Ordinal);

    private CounterGrainFactory(TempDatabase database, IGrainStore store, TimeProvider time)
    {
        _database = database;
        Store = store;
        Committer = new GroupCommitter(store);
        Time = time;
    }

    public string GrainType => "counter";

    public IGrainStore Store { get; }

    public GroupCommitter Committer { get; }

    public TimeProvider Time { get; }

    public bool AllowDeactivation { get; set; } = true;

    /// <summary>Activations still to fail on purpose.</summary>
    public int FailActivations { get; set; }

    public ConcurrentQueue<(string Key, DateTimeOffset Now)> DueCalls { get; } = new();

    public static async Task<CounterGrainFactory> CreateAsync(TimeProvider time, TempDatabase? database = null)
    {
        database ??= new TempDatabase();
        return new CounterGrainFactory(database, await database.OpenAsync(), time);
    }

    public int ActivationsOf(string key) => _activations.GetValueOrDefault(key);

    public ValueTask<CounterGrain> ActivateAsync(string key, CancellationToken ct)
    {
        _activations.AddOrUpdate(key, 1, (_, count) => count + 1);
        if (FailActivations > 0)
        {
            FailActivations--;
            throw new IOException("store unreachable on purpose");
        }

        return CounterGrain.LoadAsync(this, key, ct);
    }

    /// <summary>Closes the store; the database file stays while <paramref name="keepDatabase"/>.</summary>
    public async ValueTask DisposeAsync(bool keepDatabase)
    {
        await Committer.DisposeAsync();
        await Store.DisposeAsync();
        if (!keepDatabase)
        {
            _database.Dispose();
        }
    }

    public ValueTask DisposeAsync() => DisposeAsync(keepDatabase: false);
}
