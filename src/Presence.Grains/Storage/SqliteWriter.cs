using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Presence.Grains.Storage;

/// <summary>
/// The store's one write connection and its statements, prepared once and reused for every batch
/// (SQLite admits one writer at a time, so a second write connection would only queue on the lock).
/// Not thread-safe: the store serializes calls.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly ILogger _logger;
    private readonly SqliteCommand _insertGrain;
    private readonly SqliteCommand _updateGrain;
    private readonly SqliteCommand _readVersion;
    private readonly SqliteCommand _upsertItem;
    private readonly SqliteCommand _deleteItem;
    private readonly SqliteCommand _appendHistory;
    private readonly SqliteCommand[] _all;

    public SqliteWriter(SqliteConnection connection, ILogger logger)
    {
        _connection = connection;
        _logger = logger;

        // A first write inserts; the primary key turns a second "first" write into zero rows changed.
        _insertGrain = SqliteStatement.Create(
            connection,
            "INSERT INTO grains (grain_type, grain_key, version, next_due_at) VALUES ($type, $key, 1, $due) " +
            "ON CONFLICT (grain_type, grain_key) DO NOTHING",
            "$type", "$key", "$due");
        // Optimistic concurrency: the row changes only if nobody wrote since the writer's version.
        _updateGrain = SqliteStatement.Create(
            connection,
            "UPDATE grains SET version = version + 1, next_due_at = $due " +
            "WHERE grain_type = $type AND grain_key = $key AND version = $version",
            "$type", "$key", "$due", "$version");
        _readVersion = SqliteStatement.Create(
            connection,
            "SELECT version FROM grains WHERE grain_type = $type AND grain_key = $key",
            "$type", "$key");
        _upsertItem = SqliteStatement.Create(
            connection,
            "INSERT INTO grain_items (grain_type, grain_key, kind, item_key, payload) VALUES ($type, $key, $kind, $item, $payload) " +
            "ON CONFLICT (grain_type, grain_key, kind, item_key) DO UPDATE SET payload = excluded.payload",
            "$type", "$key", "$kind", "$item", "$payload");
        _deleteItem = SqliteStatement.Create(
            connection,
            "DELETE FROM grain_items WHERE grain_type = $type AND grain_key = $key AND kind = $kind AND item_key = $item",
            "$type", "$key", "$kind", "$item");
        _appendHistory = SqliteStatement.Create(
            connection,
            "INSERT INTO grain_history (grain_type, grain_key, at, payload) VALUES ($type, $key, $at, $payload)",
            "$type", "$key", "$at", "$payload");
        _all = [_insertGrain, _updateGrain, _readVersion, _upsertItem, _deleteItem, _appendHistory];
    }

    /// <summary>Applies the batch in one transaction; throws (having rolled back) if any statement fails.</summary>
    public WriteResult[] Write(IReadOnlyList<GrainWrite> batch)
    {
        var results = new WriteResult[batch.Count];
        using var transaction = _connection.BeginTransaction();
        foreach (var command in _all)
        {
            command.Transaction = transaction;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            results[i] = Apply(batch[i]);
        }

        // With synchronous=FULL the commit returns only after the WAL is on disk.
        transaction.Commit();
        return results;
    }

    private WriteResult Apply(GrainWrite write)
    {
        // The version check comes first, so a conflicting write changes nothing at all.
        object due = write.NextDueAt is { } at ? UnixTime.ToMilliseconds(at) : DBNull.Value;
        if (write.ExpectedVersion == 0)
        {
            if (SqliteStatement.Execute(_insertGrain, write.GrainType, write.GrainKey, due) == 0)
            {
                return Conflict(write);
            }
        }
        else if (SqliteStatement.Execute(_updateGrain, write.GrainType, write.GrainKey, due, write.ExpectedVersion) == 0)
        {
            return Conflict(write);
        }

        // Deletes before upserts, so a write that removes and re-adds one item ends with the item.
        foreach (var (kind, key) in write.Deletes)
        {
            SqliteStatement.Execute(_deleteItem, write.GrainType, write.GrainKey, kind, key);
        }

        foreach (var item in write.Upserts)
        {
            SqliteStatement.Execute(_upsertItem, write.GrainType, write.GrainKey, item.Kind, item.Key, item.Payload);
        }

        foreach (var record in write.History)
        {
            SqliteStatement.Execute(_appendHistory, write.GrainType, write.GrainKey, UnixTime.ToMilliseconds(record.At), record.Payload);
        }

        return new WriteResult(WriteStatus.Committed, write.ExpectedVersion + 1);
    }

    private WriteResult Conflict(GrainWrite write)
    {
        SqliteStatement.Bind(_readVersion, write.GrainType, write.GrainKey);
        var actual = _readVersion.ExecuteScalar() is long version ? version : 0;
        StorageLog.Conflict(_logger, write.GrainType, write.GrainKey, write.ExpectedVersion, actual);
        return new WriteResult(WriteStatus.Conflict, actual);
    }

    public void Dispose()
    {
        foreach (var command in _all)
        {
            command.Dispose();
        }
    }
}
