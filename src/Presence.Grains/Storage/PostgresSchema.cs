using Microsoft.Extensions.Logging;
using Npgsql;

namespace Presence.Grains.Storage;

/// <summary>
/// The PostgreSQL schema as ordered migration steps: step i moves the schema from version i to i + 1.
/// A shipped step is never edited; a change is a new step appended, so every database, however old,
/// reaches the same schema by the same path. Tables go in the first schema of the connection's
/// search_path ("public" unless the connection string says otherwise).
/// </summary>
public static class PostgresSchema
{
    // The transaction-level advisory lock every silo takes before it looks at the schema. The number is
    // arbitrary but fixed ("presgrns" in ASCII); silos of one database must agree on it, nothing else.
    internal const long MigrationLockKey = 0x7072_6573_6772_6E73;

    /// <summary>The migration steps in order (cluster-config/schema.sql is these, concatenated).</summary>
    public static IReadOnlyList<string> StepsSql => Steps;

    private static readonly string[] Steps =
    [
        // Version 1. Every text column that is compared or ordered is COLLATE "C": byte order of UTF-8, the
        // same order SQLite's BINARY collation gives, whatever the database's default collation is (an
        // ICU or glibc locale would sort 'Sip:Zed' among the lowercase keys and page ListKeys differently).
        //
        // grains holds one small row per grain so that the version check of a write touches one row. The
        // primary key on (grain_type, grain_key) is what makes two first writes of one grain conflict
        // instead of both succeeding: Orleans' ADO.NET storage has no such unique key and can end up with
        // two rows for one grain (its open bug #11303). Items are rows of their own so that a refresh
        // rewrites one small row, not the grain. Times are bigint unix milliseconds, as in SQLite (UnixTime).
        """
        CREATE TABLE grains (
            grain_type  text COLLATE "C" NOT NULL,
            grain_key   text COLLATE "C" NOT NULL,
            version     bigint NOT NULL,
            next_due_at bigint NULL,
            PRIMARY KEY (grain_type, grain_key)
        );

        -- The reminder poller asks "which grains of this type are due before t, earliest first"; grains with
        -- nothing due are left out, and grain_key in the index serves the tie-break without a sort.
        CREATE INDEX ix_grains_due ON grains (grain_type, next_due_at, grain_key) WHERE next_due_at IS NOT NULL;

        CREATE TABLE grain_items (
            grain_type text COLLATE "C" NOT NULL,
            grain_key  text COLLATE "C" NOT NULL,
            kind       text COLLATE "C" NOT NULL,
            item_key   text COLLATE "C" NOT NULL,
            payload    bytea NOT NULL,
            PRIMARY KEY (grain_type, grain_key, kind, item_key),
            FOREIGN KEY (grain_type, grain_key) REFERENCES grains (grain_type, grain_key) ON DELETE CASCADE
        );

        CREATE TABLE grain_history (
            id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            grain_type text COLLATE "C" NOT NULL,
            grain_key  text COLLATE "C" NOT NULL,
            at         bigint NOT NULL,
            payload    bytea  NOT NULL,
            FOREIGN KEY (grain_type, grain_key) REFERENCES grains (grain_type, grain_key) ON DELETE CASCADE
        );

        -- History is read per grain, newest first (id breaks ties within a millisecond), optionally from a
        -- time on: a backward scan of this index, no sort.
        CREATE INDEX ix_grain_history ON grain_history (grain_type, grain_key, at, id);
        """,

        // Version 2. Cluster membership, as Orleans' membership table: one version row per cluster that every
        // join, status change and death declaration moves on by compare-and-swap, and one row per silo or
        // edge incarnation. Leases are timestamptz set from the database's clock (now()), so no two hosts'
        // clocks are ever compared. The partial unique index allows one live incarnation per silo name: a
        // restarted silo's join marks its previous incarnation dead in the same transaction.
        """
        CREATE TABLE cluster_versions (
            cluster_id text COLLATE "C" PRIMARY KEY,
            version    bigint NOT NULL
        );

        CREATE TABLE cluster_members (
            cluster_id      text COLLATE "C" NOT NULL REFERENCES cluster_versions (cluster_id),
            silo_id         text COLLATE "C" NOT NULL,
            incarnation     bigint NOT NULL,
            role            text NOT NULL CHECK (role IN ('silo', 'edge')),
            status          text NOT NULL CHECK (status IN ('active', 'leaving', 'left', 'dead')),
            sip_address     text NOT NULL,
            http_address    text NOT NULL,
            lease_expires   timestamptz NOT NULL,
            joined_at       timestamptz NOT NULL,
            updated_at      timestamptz NOT NULL,
            drained_version bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (cluster_id, silo_id, incarnation)
        );

        CREATE UNIQUE INDEX ux_cluster_members_live ON cluster_members (cluster_id, silo_id)
            WHERE status IN ('active', 'leaving');
        """,

        // Version 3. The cluster runs on Microsoft Orleans: its membership is Orleans' (version 4), and the project's
        // own membership tables of version 2 go.
        """
        DROP TABLE IF EXISTS cluster_members;
        DROP TABLE IF EXISTS cluster_versions;
        """,

        // Version 4. What Orleans' ADO.NET membership and reminder providers read: their tables and, in OrleansQuery,
        // the statements they run (Storage/Sql/orleans-adonet.sql, written from the providers' contract).
        OrleansAdoNetSql(),
    ];

    private static string OrleansAdoNetSql()
    {
        using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream("Presence.Grains.Storage.Sql.orleans-adonet.sql")
            ?? throw new InvalidOperationException("The Orleans ADO.NET schema is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static int LatestVersion => Steps.Length;

    /// <summary>
    /// The whole schema as one idempotent SQL script (cluster-config/schema.sql): for operators who create
    /// the database ahead of the silos. It takes the same lock and records the same versions as the silos'
    /// own migration, so the two may be mixed in any order.
    /// </summary>
    public static string Script()
    {
        var text = new System.Text.StringBuilder();
        text.Append("-- Presence.Orleans: the PostgreSQL schema, version ").Append(LatestVersion).Append(".\n")
            .Append("-- Every silo applies it itself at start; run this only to create the database ahead of them:\n")
            .Append("--   psql -v ON_ERROR_STOP=1 -d presence -f cluster-config/schema.sql\n")
            .Append("-- Idempotent: a step runs only when schema_version does not list it yet.\n")
            .Append("-- Generated from src/Presence.Grains/Storage/PostgresSchema.cs; a test keeps the two equal.\n\n")
            .Append("BEGIN;\n")
            .Append("SELECT pg_advisory_xact_lock(").Append(MigrationLockKey).Append(");\n")
            .Append("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at bigint NOT NULL);\n");
        for (var step = 0; step < Steps.Length; step++)
        {
            text.Append("\nDO $step$\nBEGIN\nIF NOT EXISTS (SELECT 1 FROM schema_version WHERE version = ").Append(step + 1).Append(") THEN\n")
                .Append(Steps[step].Trim()).Append('\n')
                .Append("INSERT INTO schema_version (version, applied_at) VALUES (").Append(step + 1)
                .Append(", (extract(epoch FROM clock_timestamp()) * 1000)::bigint);\n")
                .Append("END IF;\nEND\n$step$;\n");
        }
        return text.Append("\nCOMMIT;\n").ToString();
    }

    /// <summary>
    /// Brings the database to <see cref="LatestVersion"/>, applying the steps it has not had yet, in one
    /// transaction: PostgreSQL's DDL is transactional, so a step that fails leaves the schema as it was.
    /// </summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, ILogger logger, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);

        // Silos that start together all get here at once. Without the lock two of them would both find
        // version 0 and both run step 1, and even CREATE TABLE IF NOT EXISTS races on the catalog's unique
        // index. The lock is released by the commit (or rollback), so a crashed silo cannot leave it held.
        if (!await ScalarAsync<bool>(connection, $"SELECT pg_try_advisory_xact_lock({MigrationLockKey})", ct).ConfigureAwait(false))
        {
            PostgresStoreLog.MigrationLockBusy(logger);
            await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", ct).ConfigureAwait(false);
        }

        await ExecuteAsync(
            connection,
            "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at bigint NOT NULL)",
            ct).ConfigureAwait(false);
        var current = await ScalarAsync<int>(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version", ct).ConfigureAwait(false);
        if (current > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The grain store is at schema version {current}, newer than this build knows ({LatestVersion}); refusing to run an old build on it.");
        }

        for (var step = current; step < LatestVersion; step++)
        {
            await ExecuteAsync(connection, Steps[step], ct).ConfigureAwait(false);
            await using var record = new NpgsqlCommand("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)", connection);
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = step + 1 });
            record.Parameters.Add(new NpgsqlParameter<long> { TypedValue = UnixTime.ToMilliseconds(DateTimeOffset.UtcNow) });
            await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
        if (current < LatestVersion)
        {
            StorageLog.Migrated(logger, current, LatestVersion);
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
