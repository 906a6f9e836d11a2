using Microsoft.Data.Sqlite;

namespace Presence.Grains.Storage;

/// <summary>
/// A read connection and its statements, prepared once and reused. In WAL mode readers do not wait
/// for the writer (nor it for them), so grains activating on many workers read while a batch commits.
/// Not thread-safe: the store lends each reader to one caller at a time.
/// </summary>
internal sealed class SqliteReader : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _grain;
    private readonly SqliteCommand _items;
    private readonly SqliteCommand _due;
    private readonly SqliteCommand _history;
    private readonly SqliteCommand _firstKeys;
    private readonly SqliteCommand _keysAfter;

    public SqliteReader(SqliteConnection connection)
    {
        _connection = connection;
        _grain = SqliteStatement.Create(
            connection,
            "SELECT version, next_due_at FROM grains WHERE grain_type = $type AND grain_key = $key",
            "$type", "$key");
        _items = SqliteStatement.Create(
            connection,
            "SELECT kind, item_key, payload FROM grain_items WHERE grain_type = $type AND grain_key = $key ORDER BY kind, item_key",
            "$type", "$key");
        // "IS NOT NULL" spelled out lets SQLite use the partial index ix_grains_due.
        _due = SqliteStatement.Create(
            connection,
            "SELECT grain_key, next_due_at FROM grains " +
            "WHERE grain_type = $type AND next_due_at IS NOT NULL AND next_due_at <= $before " +
            "ORDER BY next_due_at, grain_key LIMIT $max",
            "$type", "$before", "$max");
        // id breaks ties between records of one millisecond: the later append is the newer.
        _history = SqliteStatement.Create(
            connection,
            "SELECT at, payload FROM grain_history WHERE grain_type = $type AND grain_key = $key AND at >= $since " +
            "ORDER BY at DESC, id DESC LIMIT $max",
            "$type", "$key", "$since", "$max");
        _firstKeys = SqliteStatement.Create(
            connection,
            "SELECT grain_key FROM grains WHERE grain_type = $type ORDER BY grain_key LIMIT $max",
            "$type", "$max");
        _keysAfter = SqliteStatement.Create(
            connection,
            "SELECT grain_key FROM grains WHERE grain_type = $type AND grain_key > $after ORDER BY grain_key LIMIT $max",
            "$type", "$max", "$after");
    }

    public GrainSnapshot? Read(string grainType, string grainKey)
    {
        // One read transaction for both statements: the version and the items come from one snapshot
        // even if a batch commits in between.
        using var transaction = _connection.BeginTransaction(deferred: true);
        _grain.Transaction = transaction;
        _items.Transaction = transaction;
        SqliteStatement.Bind(_grain, grainType, grainKey);
        long version;
        DateTimeOffset? due;
        using (var reader = _grain.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            version = reader.GetInt64(0);
            due = reader.IsDBNull(1) ? null : UnixTime.FromMilliseconds(reader.GetInt64(1));
        }

        SqliteStatement.Bind(_items, grainType, grainKey);
        var items = new List<StoredItem>();
        using (var reader = _items.ExecuteReader())
        {
            while (reader.Read())
            {
                items.Add(new StoredItem(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2)));
            }
        }

        transaction.Commit();
        return new GrainSnapshot(grainType, grainKey, version, items, due);
    }

    public List<(string GrainKey, DateTimeOffset DueAt)> ReadDue(string grainType, DateTimeOffset before, int max)
    {
        SqliteStatement.Bind(_due, grainType, UnixTime.ToMilliseconds(before), max);
        var due = new List<(string, DateTimeOffset)>();
        using var reader = _due.ExecuteReader();
        while (reader.Read())
        {
            due.Add((reader.GetString(0), UnixTime.FromMilliseconds(reader.GetInt64(1))));
        }

        return due;
    }

    public List<HistoryRecord> ReadHistory(string grainType, string grainKey, DateTimeOffset? since, int max)
    {
        var from = since is { } at ? UnixTime.ToMilliseconds(at) : long.MinValue;
        SqliteStatement.Bind(_history, grainType, grainKey, from, max);
        var records = new List<HistoryRecord>();
        using var reader = _history.ExecuteReader();
        while (reader.Read())
        {
            records.Add(new HistoryRecord(UnixTime.FromMilliseconds(reader.GetInt64(0)), reader.GetFieldValue<byte[]>(1)));
        }

        return records;
    }

    public List<string> ListKeys(string grainType, string? afterKey, int max)
    {
        var command = afterKey is null ? _firstKeys : _keysAfter;
        if (afterKey is null)
        {
            SqliteStatement.Bind(command, grainType, max);
        }
        else
        {
            SqliteStatement.Bind(command, grainType, max, afterKey);
        }

        var keys = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    public void Dispose()
    {
        foreach (var command in new[] { _grain, _items, _due, _history, _firstKeys, _keysAfter })
        {
            command.Dispose();
        }

        _connection.Dispose();
    }
}
