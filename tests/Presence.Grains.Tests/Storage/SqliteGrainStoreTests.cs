using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Presence.Grains.Storage;

namespace Presence.Grains.Tests.Storage;

/// <summary>The conformance suite against SQLite, plus what is SQLite's own: WAL mode and connection strings.</summary>
public sealed class SqliteGrainStoreTests : GrainStoreConformanceTests
{
    private readonly TempDatabase _database = new();

    protected override IGrainStore CreateStore() => _database.CreateStore();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }

    protected override Task<object?> ScalarAsync(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_database.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Task.FromResult(command.ExecuteScalar());
    }

    [Fact]
    public async Task The_database_is_in_wal_mode()
    {
        await OpenAsync();
        Assert.Equal("wal", await ScalarAsync("PRAGMA journal_mode"));
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
}
