using Npgsql;

namespace Presence.Storage.Benchmarks;

/// <summary>
/// The PostgreSQL server given with <c>--postgres</c>: each target gets a database of its own, created fresh and
/// dropped after, so no target runs on another's tables or dead rows. The role must be allowed to create databases.
/// </summary>
public sealed class PostgresServer(string connectionString)
{
    private readonly NpgsqlConnectionStringBuilder _settings = new(connectionString);

    /// <summary>The server's version and the settings that decide what a commit costs, for the report.</summary>
    public async Task<string> DescribeAsync(CancellationToken ct)
    {
        await using var connection = await OpenAdminAsync(ct).ConfigureAwait(false);
        var parts = new List<string>();
        foreach (var (label, sql) in new[]
                 {
                     ("PostgreSQL", "SHOW server_version"), ("fsync", "SHOW fsync"), ("synchronous_commit", "SHOW synchronous_commit"),
                     ("wal_sync_method", "SHOW wal_sync_method"), ("max_connections", "SHOW max_connections"),
                     ("shared_buffers", "SHOW shared_buffers"),
                 })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            parts.Add($"{label} {await command.ExecuteScalarAsync(ct).ConfigureAwait(false)}");
        }

        return string.Join(", ", parts);
    }

    /// <summary>Drops <paramref name="database"/> if it is there, creates it empty, and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string database, CancellationToken ct)
    {
        await DropDatabaseAsync(database, ct).ConfigureAwait(false);
        await ExecuteAdminAsync($"CREATE DATABASE {Quote(database)}", ct).ConfigureAwait(false);
        return new NpgsqlConnectionStringBuilder(_settings.ConnectionString) { Database = database }.ConnectionString;
    }

    public Task DropDatabaseAsync(string database, CancellationToken ct)
    {
        // A target's pool may still hold connections for a moment after it is disposed: FORCE ends them.
        NpgsqlConnection.ClearAllPools();
        return ExecuteAdminAsync($"DROP DATABASE IF EXISTS {Quote(database)} WITH (FORCE)", ct);
    }

    /// <summary>Runs a script of several statements in <paramref name="database"/>'s connection, in one transaction.</summary>
    public static async Task ApplyScriptAsync(string databaseConnectionString, string script, CancellationToken ct)
    {
        var settings = new NpgsqlConnectionStringBuilder(databaseConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand(script, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    private async Task ExecuteAdminAsync(string sql, CancellationToken ct)
    {
        await using var connection = await OpenAdminAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    // Unpooled: an idle admin connection must not hold one of the server's slots while a target runs.
    private async Task<NpgsqlConnection> OpenAdminAsync(CancellationToken ct)
    {
        var settings = new NpgsqlConnectionStringBuilder(_settings.ConnectionString) { Pooling = false };
        var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        return connection;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
