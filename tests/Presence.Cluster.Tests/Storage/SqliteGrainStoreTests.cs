using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Presence.Cluster.Storage;

namespace Presence.Cluster.Tests.Storage;

/// <summary>The conformance suite against SQLite, plus what is SQLite's own: pragmas and the schema table.</summary>
public sealed class SqliteGrainStoreTests : GrainStoreConformanceTests
{
    private readonly TempDatabase _database = new();

    protected override IGrainStore CreateStore() => _database.CreateStore();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }

    [Fact]
    public async Task The_database_is_in_wal_mode_with_the_schema_version_recorded()
    {
        await OpenAsync();

        using var connection = new SqliteConnection($"Data Source={_database.Path};Pooling=False");
        connection.Open();
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal(1L, Scalar(connection, "SELECT MAX(version) FROM schema_version"));
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM schema_version"));
    }

    [Fact]
    public async Task A_database_from_a_newer_build_is_refused()
    {
        await OpenAsync();
        using (var connection = new SqliteConnection($"Data Source={_database.Path};Pooling=False"))
        {
            connection.Open();
            Scalar(connection, "INSERT INTO schema_version (version, applied_at) VALUES (99, 0)");
        }

        await using var store = _database.CreateStore();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync(CancellationToken.None));
        Assert.Contains("99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_string_is_accepted_as_well_as_a_path()
    {
        await using var store = new SqliteGrainStore($"Data Source={_database.Path}", NullLogger.Instance);
        await store.InitializeAsync(CancellationToken.None);
        await store.WriteAsync([Write("alice", 0)], CancellationToken.None);

        await using var byPath = await OpenAsync();
        Assert.NotNull(await byPath.ReadAsync(GrainType, "alice", CancellationToken.None));
    }

    [Fact]
    public async Task Using_the_store_before_initializing_it_fails_clearly()
    {
        await using var store = _database.CreateStore();
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.ReadAsync(GrainType, "alice", CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync([Write("alice", 0)], CancellationToken.None));
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
