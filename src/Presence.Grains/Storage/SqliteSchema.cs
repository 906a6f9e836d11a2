using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Presence.Grains.Storage;

/// <summary>
/// The SQLite schema as ordered migration steps: step i moves the schema from version i to i + 1.
/// A shipped step is never edited; a change is a new step appended, so every database, however old,
/// reaches the same schema by the same path.
/// </summary>
internal static class SqliteSchema
{
    private static readonly string[] Steps =
    [
        // Version 1. grains holds one small row per grain so that the version check of a write touches one
        // row; WITHOUT ROWID keeps that row in the primary-key b-tree itself. The UNIQUE primary key on
        // (grain_type, grain_key) is what makes two first writes of one grain conflict instead of both
        // succeeding (Orleans' missing unique key, #11303). Items are rows of their own so a refresh
        // rewrites one small row, not the grain.
        """
        CREATE TABLE grains (
            grain_type  TEXT    NOT NULL,
            grain_key   TEXT    NOT NULL,
            version     INTEGER NOT NULL,
            next_due_at INTEGER NULL,
            PRIMARY KEY (grain_type, grain_key)
        ) WITHOUT ROWID;

        -- The reminder poller asks "which grains of this type are due before t, earliest first";
        -- grains with nothing due are left out of the index.
        CREATE INDEX ix_grains_due ON grains (grain_type, next_due_at) WHERE next_due_at IS NOT NULL;

        CREATE TABLE grain_items (
            grain_type TEXT NOT NULL,
            grain_key  TEXT NOT NULL,
            kind       TEXT NOT NULL,
            item_key   TEXT NOT NULL,
            payload    BLOB NOT NULL,
            PRIMARY KEY (grain_type, grain_key, kind, item_key),
            FOREIGN KEY (grain_type, grain_key) REFERENCES grains (grain_type, grain_key) ON DELETE CASCADE
        );

        CREATE TABLE grain_history (
            id         INTEGER PRIMARY KEY,
            grain_type TEXT    NOT NULL,
            grain_key  TEXT    NOT NULL,
            at         INTEGER NOT NULL,
            payload    BLOB    NOT NULL,
            FOREIGN KEY (grain_type, grain_key) REFERENCES grains (grain_type, grain_key) ON DELETE CASCADE
        );

        -- History is read per grain, newest first, optionally from a time on.
        CREATE INDEX ix_grain_history ON grain_history (grain_type, grain_key, at);
        """,
    ];

    public static int LatestVersion => Steps.Length;

    /// <summary>Brings the database to <see cref="LatestVersion"/>, applying the steps it has not had yet.</summary>
    public static void Migrate(SqliteConnection connection, ILogger logger)
    {
        // BEGIN IMMEDIATE (the provider's default) takes the write lock first, so two processes that
        // initialize one file at once migrate one after the other instead of both applying step 1.
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction,
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");

        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
        var current = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (current > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The grain store is at schema version {current}, newer than this build knows ({LatestVersion}); refusing to run an old build on it.");
        }

        for (var step = current; step < LatestVersion; step++)
        {
            Execute(connection, transaction, Steps[step]);
            using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_version (version, applied_at) VALUES ($version, $at)";
            record.Parameters.AddWithValue("$version", step + 1);
            record.Parameters.AddWithValue("$at", UnixTime.ToMilliseconds(DateTimeOffset.UtcNow));
            record.ExecuteNonQuery();
        }

        transaction.Commit();
        if (current < LatestVersion)
        {
            StorageLog.Migrated(logger, current, LatestVersion);
        }
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
