using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Presence.Grains.Storage;

namespace Presence.Grains.Tests.Storage;

/// <summary>
/// The conformance suite against a real PostgreSQL, one database per test, plus what is PostgreSQL's
/// own: several silos on one database at once (migrations, first writes, deadlocks) and a batch that fails.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresGrainStoreTests(PostgresServer server) : GrainStoreConformanceTests
{
    private readonly List<IAsyncDisposable> _owned = [];
    private string _database = "";
    private string _connectionString = "";

    protected override IGrainStore CreateStore() => new PostgresGrainStore(_connectionString, NullLogger.Instance);

    public override async Task InitializeAsync() => (_database, _connectionString) = await server.CreateDatabaseAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await server.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task A_burst_of_reads_waits_for_pooled_connections_instead_of_exhausting_the_server()
    {
        // 300 reads at once: with Npgsql's default pool of 100 they would take every connection PostgreSQL
        // allows (max_connections 100 by default) and fail with 53300; the store's own cap makes them queue.
        var store = Own(CreateStore());
        await store.InitializeAsync(CancellationToken.None);
        await store.WriteAsync([new GrainWrite("t", "k", 0, [new StoredItem("a", "b", [1])], [], null, [])], CancellationToken.None);

        var reads = await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => Task.Run(() => store.ReadAsync("t", "k", CancellationToken.None))));

        Assert.All(reads, snapshot => Assert.Equal(1, snapshot!.Version));
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()", connection);
        Assert.InRange((long)(await count.ExecuteScalarAsync())!, 1, PostgresGrainStore.DefaultMaxPoolSize + 1);
    }

    [Fact]
    public async Task Silos_starting_together_migrate_the_schema_once()
    {
        var stores = Enumerable.Range(0, 6).Select(_ => Own(CreateStore())).ToArray();

        await Task.WhenAll(stores.Select(store => store.InitializeAsync(CancellationToken.None)));

        Assert.Equal(PostgresSchema.LatestVersion, await ScalarAsync("SELECT COUNT(*)::integer FROM schema_version"));
        await stores[0].WriteAsync([Write("alice", 0)], CancellationToken.None);
        Assert.NotNull(await stores[^1].ReadAsync(GrainType, "alice", CancellationToken.None));
    }

    [Fact]
    public async Task A_silo_waits_for_another_silos_migration_to_commit()
    {
        var logger = new RecordingLogger();
        await using var other = await BeginAsync();
        await ExecuteAsync(other.Connection, $"SELECT pg_advisory_xact_lock({PostgresSchema.MigrationLockKey})");

        var store = Own(new PostgresGrainStore(_connectionString, logger));
        var initializing = store.InitializeAsync(CancellationToken.None);
        await UntilAsync(() => Task.FromResult(logger.EventIds.Contains(2100)), "the migration lock to be found busy");
        Assert.False(initializing.IsCompleted);

        await other.Transaction.CommitAsync();
        await initializing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(PostgresSchema.LatestVersion, await ScalarAsync("SELECT COUNT(*)::integer FROM schema_version"));
    }

    [Fact]
    public async Task Two_silos_racing_for_the_same_grains_never_both_win()
    {
        const int Grains = 40;
        var silos = new[] { await OpenAsync(), Own(CreateStore()) };
        await silos[1].InitializeAsync(CancellationToken.None);

        // Both silos believe they own every grain and write it at the same time: first the creation, then
        // an update from version 1. The unique key and the version check let exactly one of each pair win.
        for (var expected = 0; expected < 2; expected++)
        {
            var version = expected;
            var races = await Task.WhenAll(Enumerable.Range(0, Grains).Select(grain => Task.WhenAll(silos.Select((silo, index) =>
                Task.Run(() => silo.WriteAsync([Write($"g{grain}", version, [Item("owner", "silo", $"{index}")])], CancellationToken.None))))));

            foreach (var race in races)
            {
                var results = race.Select(answer => Assert.Single(answer)).ToArray();
                Assert.Single(results, result => result == new WriteResult(WriteStatus.Committed, version + 1));
                Assert.Single(results, result => result == new WriteResult(WriteStatus.Conflict, version + 1));
            }
        }

        Assert.Equal((long)Grains, await ScalarAsync("SELECT COUNT(*) FROM grains WHERE version = 2"));
        Assert.Equal((long)Grains, await ScalarAsync("SELECT COUNT(*) FROM grain_items"));
    }

    [Fact]
    public async Task A_batch_that_fails_midway_commits_none_of_its_writes()
    {
        var logger = new RecordingLogger();
        // lock_timeout turns "wait for the row another transaction holds" into an error, quickly.
        var withLockTimeout = new NpgsqlConnectionStringBuilder(_connectionString) { Options = "-c lock_timeout=200" };
        var store = Own(new PostgresGrainStore(withLockTimeout.ConnectionString, logger));
        await store.InitializeAsync(CancellationToken.None);
        await store.WriteAsync([Write("bob", 0)], CancellationToken.None);
        await using var other = await BeginAsync();
        await ExecuteAsync(other.Connection, "SELECT version FROM grains WHERE grain_key = 'bob' FOR UPDATE");

        var error = await Assert.ThrowsAsync<PostgresException>(() => store.WriteAsync(
            [Write("alice", 0, [Item("binding", "c1", "x")]), Write("bob", 1), Write("carol", 0)], CancellationToken.None));
        await other.Transaction.RollbackAsync();

        Assert.Equal(PostgresErrorCodes.LockNotAvailable, error.SqlState);
        Assert.Contains(2101, logger.EventIds);
        Assert.Null(await store.ReadAsync(GrainType, "alice", CancellationToken.None));
        Assert.Equal(1, (await store.ReadAsync(GrainType, "bob", CancellationToken.None))!.Version);
        Assert.Equal(new WriteResult(WriteStatus.Committed, 1), Assert.Single(await store.WriteAsync([Write("alice", 0)], CancellationToken.None)));
    }

    [Fact]
    public async Task A_batch_aborted_to_break_a_deadlock_runs_again_and_commits()
    {
        var logger = new RecordingLogger();
        var store = Own(new PostgresGrainStore(_connectionString, logger));
        await store.InitializeAsync(CancellationToken.None);
        await store.WriteAsync([Write("a", 0), Write("b", 0)], CancellationToken.None);

        // Another silo's transaction holds b and will want a; the batch takes a, then waits for b.
        await using var other = await BeginAsync();
        // The batch's backend waits first and checks for a deadlock after the server's deadlock_timeout (1 s);
        // the other side checks much later, so that the batch is the one PostgreSQL aborts.
        await ExecuteAsync(other.Connection, "SET LOCAL deadlock_timeout = '10s'");
        await ExecuteAsync(other.Connection, "UPDATE grains SET next_due_at = 1 WHERE grain_key = 'b'");
        var batch = store.WriteAsync([Write("a", 1, [Item("k", "1", "a")]), Write("b", 1, [Item("k", "1", "b")])], CancellationToken.None);
        await UntilAsync(
            async () => (long)(await ScalarAsync("SELECT COUNT(*) FROM pg_locks WHERE NOT granted"))! > 0,
            "the batch to wait for b");
        var otherWaits = ExecuteAsync(other.Connection, "UPDATE grains SET next_due_at = 2 WHERE grain_key = 'a'");

        await otherWaits.WaitAsync(TimeSpan.FromSeconds(10));
        await other.Transaction.CommitAsync();
        var results = await batch.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(2103, logger.EventIds);
        Assert.Equal([new WriteResult(WriteStatus.Committed, 2), new WriteResult(WriteStatus.Committed, 2)], results);
        Assert.Equal(["k/1=b"], Describe(await store.ReadAsync(GrainType, "b", CancellationToken.None)));
    }

    [Theory]
    [InlineData("Host=db;Database=presence", false)]
    [InlineData("Host=db;Max Auto Prepare=0", true)]
    [InlineData("host=db;maxautoprepare=5", true)]
    public void Auto_preparation_is_on_unless_the_connection_string_sets_it(string connectionString, bool setsIt) =>
        Assert.Equal(setsIt, PostgresGrainStore.SetsMaxAutoPrepare(connectionString));

    private T Own<T>(T disposable) where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    protected override async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private async Task<OpenTransaction> BeginAsync()
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        return new OpenTransaction(connection, await connection.BeginTransactionAsync());
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    /// <summary>Another silo's session, holding locks until the test commits or rolls back.</summary>
    private sealed record OpenTransaction(NpgsqlConnection Connection, NpgsqlTransaction Transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
