using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Presence.Grains.Storage;

/// <summary>
/// The embedded grain store: one SQLite file in WAL mode, one write connection (SQLite admits one
/// writer at a time) and a small pool of read connections that WAL lets run beside the writer.
/// Put a <see cref="GroupCommitter"/> in front of it so that concurrent writes share a transaction.
/// </summary>
public sealed class SqliteGrainStore : IGrainStore
{
    // Idle read connections kept for reuse; more may be open at a burst and are closed when returned.
    private const int MaxIdleReaders = 8;

    // How long a statement waits for a lock held by another process (a second server or presencectl on
    // the same file) before it fails with SQLITE_BUSY.
    private const int BusyTimeoutMs = 5000;

    private readonly string _connectionString;
    private readonly string _dataSource;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentBag<SqliteReader> _idleReaders = [];
    private SqliteWriter? _writer;
    private SqliteConnection? _writeConnection;
    private volatile bool _disposed;

    /// <param name="connectionStringOrPath">
    /// A Microsoft.Data.Sqlite connection string (anything with '=') or the path of the database file.
    /// </param>
    public SqliteGrainStore(string connectionStringOrPath, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionStringOrPath);
        ArgumentNullException.ThrowIfNull(logger);
        var builder = connectionStringOrPath.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(connectionStringOrPath)
            : new SqliteConnectionStringBuilder { DataSource = connectionStringOrPath };
        // The store holds its connections for its whole life; a pool would only keep the file open
        // after DisposeAsync, which surprises whoever wants to move or delete it.
        builder.Pooling = false;
        _connectionString = builder.ToString();
        _dataSource = builder.DataSource;
        _logger = logger;
    }

    public async Task InitializeAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_writeConnection is null)
            {
                var connection = Open(
                    // WAL: readers and the writer do not block each other, and a commit appends to the log
                    // instead of rewriting pages in place.
                    "PRAGMA journal_mode = WAL;" +
                    // FULL: in WAL mode the default NORMAL syncs the log only at checkpoints, so a transaction
                    // that committed (and whose 2xx the client already has) can vanish on a power loss or
                    // SIGKILL of the machine. FULL fsyncs the log on every commit; group commit pays that
                    // fsync once for a whole batch, which is what keeps it cheap.
                    "PRAGMA synchronous = FULL;");
                _writeConnection = connection;
                _writer = new SqliteWriter(connection, _logger);
            }

            SqliteSchema.Migrate(_writeConnection, _logger);
            StorageLog.Opened(_logger, _dataSource, SqliteSchema.LatestVersion);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task<GrainSnapshot?> ReadAsync(string grainType, string grainKey, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainType);
        ArgumentException.ThrowIfNullOrEmpty(grainKey);
        return WithReader(ct, reader => reader.Read(grainType, grainKey));
    }

    public async Task<IReadOnlyList<WriteResult>> WriteAsync(IReadOnlyList<GrainWrite> batch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var write in batch)
        {
            ArgumentNullException.ThrowIfNull(write);
            write.Validate();
        }

        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var writer = _writer ?? throw new InvalidOperationException("InitializeAsync must run before the store is used.");
            var started = Stopwatch.GetTimestamp();
            try
            {
                var results = writer.Write(batch);
                StorageLog.BatchCommitted(_logger, batch.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return results;
            }
            catch (Exception exception)
            {
                StorageLog.BatchRolledBack(_logger, exception, batch.Count);
                throw;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task<IReadOnlyList<(string GrainKey, DateTimeOffset DueAt)>> ReadDueAsync(
        string grainType, DateTimeOffset before, int max, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainType);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        return WithReader<IReadOnlyList<(string, DateTimeOffset)>>(ct, reader => reader.ReadDue(grainType, before, max));
    }

    public Task<IReadOnlyList<HistoryRecord>> ReadHistoryAsync(
        string grainType, string grainKey, DateTimeOffset? since, int max, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainType);
        ArgumentException.ThrowIfNullOrEmpty(grainKey);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        return WithReader<IReadOnlyList<HistoryRecord>>(ct, reader => reader.ReadHistory(grainType, grainKey, since, max));
    }

    public Task<IReadOnlyList<string>> ListKeysAsync(string grainType, string? afterKey, int max, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(grainType);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        return WithReader<IReadOnlyList<string>>(ct, reader => reader.ListKeys(grainType, afterKey, max));
    }

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            while (_idleReaders.TryTake(out var reader))
            {
                reader.Dispose();
            }

            if (_writeConnection is not null)
            {
                // Lets SQLite refresh the statistics its planner uses, as its documentation advises at close.
                using (var optimize = _writeConnection.CreateCommand())
                {
                    optimize.CommandText = "PRAGMA optimize";
                    optimize.ExecuteNonQuery();
                }

                _writer!.Dispose();
                _writeConnection.Dispose();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // The provider's "async" methods run synchronously, so the store reads synchronously on the
    // caller's thread and hands back a completed task rather than pretend.
    private Task<T> WithReader<T>(CancellationToken ct, Func<SqliteReader, T> read)
    {
        if (ct.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(ct);
        }

        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_writeConnection is null)
            {
                throw new InvalidOperationException("InitializeAsync must run before the store is used.");
            }

            var reader = _idleReaders.TryTake(out var idle) ? idle : new SqliteReader(Open(string.Empty));
            T result;
            try
            {
                result = read(reader);
            }
            catch
            {
                // A reader that failed mid-statement may hold an open transaction; it is not worth reusing.
                reader.Dispose();
                throw;
            }

            Return(reader);
            return Task.FromResult(result);
        }
        catch (Exception exception)
        {
            return Task.FromException<T>(exception);
        }
    }

    private void Return(SqliteReader reader)
    {
        if (_disposed || _idleReaders.Count >= MaxIdleReaders)
        {
            reader.Dispose();
            return;
        }

        _idleReaders.Add(reader);
        // DisposeAsync may have drained the pool between the check and the Add.
        if (_disposed && _idleReaders.TryTake(out var late))
        {
            late.Dispose();
        }
    }

    private SqliteConnection Open(string pragmas)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // Foreign keys are off by default in SQLite, per connection; the schema relies on them.
            command.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA foreign_keys = ON; {pragmas}";
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
