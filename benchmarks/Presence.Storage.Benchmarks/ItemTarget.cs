using Microsoft.Extensions.Logging.Abstractions;
using Presence.Grains.Storage;

namespace Presence.Storage.Benchmarks;

/// <summary>
/// Our provider as a silo builds it: <see cref="ItemGrainStorage"/> over a <see cref="GroupCommitter"/> over the store
/// (SQLite in a file of its own, or PostgreSQL in a database of its own).
/// </summary>
public sealed class ItemTarget : StorageTarget
{
    private readonly IGrainStore _store;
    private readonly GroupCommitter _committer;
    private readonly ItemGrainStorage _storage;
    private readonly Func<ValueTask> _cleanup;

    private ItemTarget(string name, string setup, IGrainStore store, Func<ValueTask> cleanup)
    {
        Name = name;
        Writes = "one item row upserted (a " + SubscriptionPayload.Length + "-byte subscription) and the grain row's version and "
            + "due time updated, in the next group-commit transaction (" + setup + ")";
        _store = store;
        _committer = new GroupCommitter(store);
        _storage = new ItemGrainStorage(store, _committer, NullLogger<ItemGrainStorage>.Instance);
        _cleanup = cleanup;
    }

    public override string Name { get; }

    public override string Writes { get; }

    /// <summary>The embedded store on a new file in <paramref name="directory"/> (WAL, synchronous=FULL: the store sets them).</summary>
    public static async Task<ItemTarget> SqliteAsync(string directory, CancellationToken ct)
    {
        var path = Path.Combine(directory, "ours.db");
        var store = new SqliteGrainStore(path, NullLogger.Instance);
        await store.InitializeAsync(ct).ConfigureAwait(false);
        return new ItemTarget("ours-sqlite", "SQLite WAL, synchronous=FULL, one fsync a batch", store, () =>
        {
            DeleteSqliteFiles(path);
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>The cluster store in a fresh database made by <paramref name="server"/> (the store creates its tables).</summary>
    public static async Task<ItemTarget> PostgresAsync(PostgresServer server, CancellationToken ct)
    {
        const string database = "storage_bench_ours";
        var connectionString = await server.CreateDatabaseAsync(database, ct).ConfigureAwait(false);
        var store = new PostgresGrainStore(connectionString, NullLogger.Instance);
        try
        {
            await store.InitializeAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            await server.DropDatabaseAsync(database, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return new ItemTarget("ours-postgres", "PostgreSQL, the store's own pool (20) and prepared statements", store,
            () => new ValueTask(server.DropDatabaseAsync(database, CancellationToken.None)));
    }

    public override long? Transactions => _committer.BatchesCommitted;

    public override GrainWriter CreateWriter(int grain, int items) => new ItemizedWriter(_storage, grain, items);

    public override async ValueTask DisposeAsync()
    {
        await _committer.DisposeAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
        await _cleanup().ConfigureAwait(false);
    }
}
