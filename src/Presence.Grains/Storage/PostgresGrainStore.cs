using System.Data.Common;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Presence.Grains.Storage;

/// <summary>
/// The cluster's grain store: PostgreSQL through Npgsql, shared by every silo. Unlike SQLite, PostgreSQL
/// takes many writers at once, so calls are not serialized here: each borrows a pooled connection.
/// Optimistic concurrency (a version per grain, checked in the write's own statement) is what keeps two
/// silos that both believe they own a grain from both winning. Put a <see cref="GroupCommitter"/> in
/// front so that concurrent writes share a transaction, a round trip and a WAL flush.
/// </summary>
public sealed class PostgresGrainStore : IGrainStore
{
    // Statements the store runs over and over; preparing them skips the server's parse and plan, which
    // for the write statement (a few CTEs) costs more than executing it. Used unless the connection
    // string says otherwise, e.g. "Max Auto Prepare=0" behind a pooler that cannot keep prepared statements.
    private const int DefaultMaxAutoPrepare = 16;

    /// <summary>Connections one silo's store may hold at once unless the connection string says otherwise.</summary>
    public const int DefaultMaxPoolSize = 20;

    // A batch that PostgreSQL aborted to break a deadlock is run again at most this many times in all.
    private const int MaxAttempts = 3;

    private const string ReadSql = """
        SELECT g.version, g.next_due_at, i.kind, i.item_key, i.payload
        FROM grains AS g
        LEFT JOIN grain_items AS i ON i.grain_type = g.grain_type AND i.grain_key = g.grain_key
        WHERE g.grain_type = $1 AND g.grain_key = $2
        ORDER BY i.kind, i.item_key
        """;

    private const string DueSql = """
        SELECT grain_key, next_due_at FROM grains
        WHERE grain_type = $1 AND next_due_at IS NOT NULL AND next_due_at <= $2
        ORDER BY next_due_at, grain_key LIMIT $3
        """;

    private const string HistorySql = """
        SELECT at, payload FROM grain_history
        WHERE grain_type = $1 AND grain_key = $2 AND at >= $3
        ORDER BY at DESC, id DESC LIMIT $4
        """;

    // The columns are COLLATE "C", so ">" and ORDER BY are byte order, the same as SQLite's, and page
    // along the primary key.
    private const string KeysSql = """
        SELECT grain_key FROM grains WHERE grain_type = $1 AND grain_key > $2 ORDER BY grain_key LIMIT $3
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _description;
    private readonly ILogger _logger;
    private volatile bool _initialized;
    private volatile bool _disposed;

    /// <param name="connectionString">An Npgsql connection string, e.g. "Host=db;Database=presence;Username=presence".</param>
    public PostgresGrainStore(string connectionString, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(logger);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (!SetsMaxAutoPrepare(connectionString))
        {
            settings.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        // Npgsql's default pool (100) is PostgreSQL's default max_connections: a burst of reads on one silo
        // would take every connection the cluster has ("53300: sorry, too many clients already") and fail
        // requests on every silo. Past this many, reads wait for a connection instead; a batch of writes needs one.
        if (!Sets(connectionString, "MaxPoolSize", "MaximumPoolSize"))
        {
            settings.MaxPoolSize = DefaultMaxPoolSize;
        }

        // Logged instead of the connection string, which may carry a password.
        _description = $"postgresql://{settings.Host}:{settings.Port}/{settings.Database}";
        _dataSource = builder.Build();
        _logger = logger;
    }

    public async Task InitializeAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await PostgresSchema.MigrateAsync(_dataSource, _logger, ct).ConfigureAwait(false);
        _initialized = true;
        StorageLog.Opened(_logger, _description, PostgresSchema.LatestVersion);
    }

    public async Task<GrainSnapshot?> ReadAsync(string grainType, string grainKey, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainType);
        ArgumentException.ThrowIfNullOrEmpty(grainKey);
        ThrowIfNotReady();

        // One statement, so the version and the items come from one snapshot even while batches commit.
        // The grain's columns repeat on every item row; a grain without items is one row of nulls on the right.
        await using var command = Command(ReadSql, grainType, grainKey);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            return null;
        }

        var version = reader.GetInt64(0);
        DateTimeOffset? due = reader.IsDBNull(1) ? null : UnixTime.FromMilliseconds(reader.GetInt64(1));
        var items = new List<StoredItem>();
        if (!reader.IsDBNull(2))
        {
            do
            {
                items.Add(new StoredItem(reader.GetString(2), reader.GetString(3), reader.GetFieldValue<byte[]>(4)));
            }
            while (await reader.ReadAsync(ct).ConfigureAwait(false));
        }

        return new GrainSnapshot(grainType, grainKey, version, items, due);
    }

    public async Task<IReadOnlyList<WriteResult>> WriteAsync(IReadOnlyList<GrainWrite> batch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var write in batch)
        {
            ArgumentNullException.ThrowIfNull(write);
            write.Validate();
        }

        ThrowIfNotReady();
        if (batch.Count == 0)
        {
            return [];
        }

        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var results = await PostgresWriter.WriteAsync(_dataSource, batch, _logger, ct).ConfigureAwait(false);
                StorageLog.BatchCommitted(_logger, batch.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return results;
            }
            catch (PostgresException exception) when (attempt < MaxAttempts && IsRetryable(exception))
            {
                PostgresStoreLog.BatchRetried(_logger, batch.Count, exception.SqlState, attempt);
            }
            catch (PostgresException exception)
            {
                // The server reported the error, so it also ended the implicit transaction: nothing committed.
                PostgresStoreLog.BatchRolledBack(_logger, exception, batch.Count, exception.SqlState);
                throw;
            }
            catch (Exception exception)
            {
                // A broken connection or a cancellation may come after the commit and before its answer.
                PostgresStoreLog.BatchOutcomeUnknown(_logger, exception, batch.Count);
                throw;
            }
        }
    }

    // Two batches that lock some of the same grains in opposite orders (two silos' group commits while a
    // user's grain moves between them) deadlock, and PostgreSQL aborts one. That batch was rolled back whole
    // and its writes are as valid as before, so running it again is safe: every version is checked anew,
    // and a write that lost the race comes back a conflict. Nothing else is retried: not a conflict, and
    // not a failure whose outcome is unknown.
    private static bool IsRetryable(PostgresException exception) =>
        exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;

    public async Task<IReadOnlyList<(string GrainKey, DateTimeOffset DueAt)>> ReadDueAsync(
        string grainType, DateTimeOffset before, int max, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainType);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ThrowIfNotReady();
        await using var command = Command(DueSql, grainType, UnixTime.ToMilliseconds(before), (long)max);
        return await ReadAllAsync(command, row => (row.GetString(0), UnixTime.FromMilliseconds(row.GetInt64(1))), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<HistoryRecord>> ReadHistoryAsync(
        string grainType, string grainKey, DateTimeOffset? since, int max, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainType);
        ArgumentException.ThrowIfNullOrEmpty(grainKey);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ThrowIfNotReady();
        var from = since is { } at ? UnixTime.ToMilliseconds(at) : long.MinValue;
        await using var command = Command(HistorySql, grainType, grainKey, from, (long)max);
        return await ReadAllAsync(
            command, row => new HistoryRecord(UnixTime.FromMilliseconds(row.GetInt64(0)), row.GetFieldValue<byte[]>(1)), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListKeysAsync(string grainType, string? afterKey, int max, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainType);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ThrowIfNotReady();
        // The empty string sorts before every key, and no grain has it (writes refuse empty keys).
        await using var command = Command(KeysSql, grainType, afterKey ?? string.Empty, (long)max);
        return await ReadAllAsync(command, row => row.GetString(0), ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // Closes the pooled connections; the server ends their sessions.
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Whether the connection string itself sets Max Auto Prepare, to any value, zero included.</summary>
    /// <summary>True when the connection string names one of <paramref name="keywords"/> (spaces and case ignored).</summary>
    internal static bool Sets(string connectionString, params string[] keywords)
    {
        // Npgsql's own builder answers every keyword it knows as present, so the keys are read with the plain
        // builder, spaces dropped: "Max Auto Prepare" and "MaxAutoPrepare" are one keyword to Npgsql.
        var keys = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>();
        return keys.Any(key => keywords.Any(k => key.Replace(" ", "", StringComparison.Ordinal).Equals(k, StringComparison.OrdinalIgnoreCase)));
    }

    internal static bool SetsMaxAutoPrepare(string connectionString) => Sets(connectionString, "MaxAutoPrepare");

    /// <summary>
    /// The connection string with Npgsql's pool capped at <paramref name="maxPoolSize"/>, unless it sets a size itself:
    /// for the other users of the database in a member (Orleans' membership and reminders), whose default pool of 100
    /// would let one member take every connection PostgreSQL allows by default.
    /// </summary>
    public static string WithPoolCap(string connectionString, int maxPoolSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (Sets(connectionString, "MaxPoolSize", "MaximumPoolSize"))
            return connectionString;
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = maxPoolSize }.ConnectionString;
    }

    private void ThrowIfNotReady()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_initialized)
        {
            throw new InvalidOperationException("InitializeAsync must run before the store is used.");
        }
    }

    // A data source command borrows a pooled connection when it runs and returns it when its reader closes.
    // Parameters are positional ($1, $2...), so Npgsql sends the text as it is, without rewriting it.
    private NpgsqlCommand Command(string sql, params ReadOnlySpan<object> values)
    {
        var command = _dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }

    private static async Task<List<T>> ReadAllAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}
