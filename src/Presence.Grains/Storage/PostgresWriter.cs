using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Presence.Grains.Storage;

/// <summary>
/// Applies a batch of grain writes as one <see cref="NpgsqlBatch"/>: one statement per write, all sent
/// in one round trip and run in the implicit transaction that PostgreSQL opens for a pipeline ending in a
/// single Sync. So the batch commits whole or not at all, and an error in any statement rolls back
/// the statements before it. A version conflict is not an error: the write's statement simply changes
/// nothing, and the statements after it go on.
/// </summary>
internal static class PostgresWriter
{
    // Every write is this one statement, so that auto-preparation parses and plans it once per connection.
    //   $1 grain_type, $2 grain_key, $3 next_due_at, $4 expected version,
    //   $5/$6 deleted kinds/keys, $7/$8/$9 upserted kinds/keys/payloads, $10/$11 history times/payloads.
    // The version check (created or updated) comes first and every other part runs only if it produced a
    // row, so a conflicting write applies nothing. The CTEs run in one statement and see one snapshot,
    // which is why the caller folds away an item both deleted and upserted (see Fold).
    private const string WriteSql = """
        WITH created AS (
            -- A first write inserts; the primary key turns a second "first" write into no row at all.
            INSERT INTO grains (grain_type, grain_key, version, next_due_at)
            SELECT $1, $2, 1, $3 WHERE $4 = 0
            ON CONFLICT (grain_type, grain_key) DO NOTHING
            RETURNING version
        ), updated AS (
            -- Optimistic concurrency: the row changes only if nobody wrote since the writer's version. Under
            -- READ COMMITTED a concurrent writer's commit is waited for and the condition rechecked on its row.
            UPDATE grains SET version = version + 1, next_due_at = $3
            WHERE $4 > 0 AND grain_type = $1 AND grain_key = $2 AND version = $4
            RETURNING version
        ), written AS (
            SELECT version FROM created UNION ALL SELECT version FROM updated
        ), removed AS (
            DELETE FROM grain_items AS i
            USING unnest($5::text[], $6::text[]) AS d (kind, item_key)
            WHERE EXISTS (SELECT 1 FROM written)
              AND i.grain_type = $1 AND i.grain_key = $2 AND i.kind = d.kind AND i.item_key = d.item_key
        ), upserted AS (
            INSERT INTO grain_items (grain_type, grain_key, kind, item_key, payload)
            SELECT $1, $2, u.kind, u.item_key, u.payload
            FROM unnest($7::text[], $8::text[], $9::bytea[]) AS u (kind, item_key, payload)
            WHERE EXISTS (SELECT 1 FROM written)
            ON CONFLICT (grain_type, grain_key, kind, item_key) DO UPDATE SET payload = excluded.payload
        ), appended AS (
            -- In the write's order, so that the identity (the tie-break within a millisecond) follows it.
            INSERT INTO grain_history (grain_type, grain_key, at, payload)
            SELECT $1, $2, h.at, h.payload
            FROM unnest($10::bigint[], $11::bytea[]) WITH ORDINALITY AS h (at, payload, position)
            WHERE EXISTS (SELECT 1 FROM written)
            ORDER BY h.position
        )
        -- The new version, or for a conflict the version the store holds as of this statement's snapshot:
        -- earlier writes of the batch included, but not a concurrent writer's commit that won the race.
        SELECT (SELECT version FROM written), (SELECT version FROM grains WHERE grain_type = $1 AND grain_key = $2)
        """;

    // The versions of the given grains (0 for none) in the order asked, as of now.
    private const string VersionsSql = """
        SELECT COALESCE(g.version, 0)
        FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w (grain_type, grain_key, position)
        LEFT JOIN grains AS g ON g.grain_type = w.grain_type AND g.grain_key = w.grain_key
        ORDER BY w.position
        """;

    /// <summary>Sends the batch, waits for its commit and returns one result per write, in batch order.</summary>
    public static async Task<WriteResult[]> WriteAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<GrainWrite> writes, ILogger logger, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var write in writes)
        {
            batch.BatchCommands.Add(Statement(write));
        }

        var results = new WriteResult[writes.Count];
        await using (var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            for (var i = 0; i < results.Length; i++)
            {
                if ((i > 0 && !await reader.NextResultAsync(ct).ConfigureAwait(false)) || !await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"PostgreSQL answered no row for write {i} of a batch of {results.Length}.");
                }

                results[i] = reader.IsDBNull(0)
                    ? new WriteResult(WriteStatus.Conflict, reader.IsDBNull(1) ? 0 : reader.GetInt64(1))
                    : new WriteResult(WriteStatus.Committed, reader.GetInt64(0));
            }

            // The implicit transaction commits when the server reaches the batch's Sync, after the last row
            // above was sent. Closing reads on to the server's ReadyForQuery, so a commit that fails throws
            // here, and returning means the batch is durable.
            await reader.CloseAsync().ConfigureAwait(false);
        }

        await ReportRacesLostAsync(dataSource, writes, results, logger, ct).ConfigureAwait(false);
        for (var i = 0; i < results.Length; i++)
        {
            if (results[i].Status == WriteStatus.Conflict)
            {
                StorageLog.Conflict(logger, writes[i].GrainType, writes[i].GrainKey, writes[i].ExpectedVersion, results[i].NewVersion);
            }
        }

        return results;
    }

    /// <summary>
    /// A conflict whose statement saw the very version the writer expected lost a race: another silo's
    /// transaction changed (or created) the grain after the statement's snapshot was taken, and PostgreSQL
    /// waited for it and then found the version moved on. The snapshot's version would be misleading there,
    /// so those grains' versions are read again, after the commit: one more round trip, only on such a race.
    /// The batch has committed by then, so a failure here must not fail it: those conflicts keep the
    /// snapshot's version, which is only ever informational.
    /// </summary>
    private static async Task ReportRacesLostAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<GrainWrite> writes, WriteResult[] results, ILogger logger, CancellationToken ct)
    {
        var lost = Enumerable.Range(0, results.Length)
            .Where(i => results[i].Status == WriteStatus.Conflict && results[i].NewVersion == writes[i].ExpectedVersion)
            .ToArray();
        if (lost.Length == 0)
        {
            return;
        }

        try
        {
            await using var command = dataSource.CreateCommand(VersionsSql);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. lost.Select(i => writes[i].GrainType)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. lost.Select(i => writes[i].GrainKey)] });
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            foreach (var i in lost)
            {
                // One row per grain asked for, in order (the LEFT JOIN keeps grains that do not exist).
                await reader.ReadAsync(ct).ConfigureAwait(false);
                results[i] = new WriteResult(WriteStatus.Conflict, reader.GetInt64(0));
            }
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException)
        {
            PostgresStoreLog.RaceVersionsUnread(logger, exception, lost.Length);
        }
    }

    private static NpgsqlBatchCommand Statement(GrainWrite write)
    {
        var (deletes, upserts) = Fold(write);
        var command = new NpgsqlBatchCommand(WriteSql);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string> { TypedValue = write.GrainType });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = write.GrainKey });
        parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Bigint,
            Value = write.NextDueAt is { } due ? UnixTime.ToMilliseconds(due) : DBNull.Value,
        });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = write.ExpectedVersion });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. deletes.Select(item => item.Kind)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. deletes.Select(item => item.Key)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. upserts.Select(item => item.Kind)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. upserts.Select(item => item.Key)] });
        parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. upserts.Select(item => item.Payload)] });
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. write.History.Select(record => UnixTime.ToMilliseconds(record.At))] });
        parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. write.History.Select(record => record.Payload)] });
        return command;
    }

    /// <summary>
    /// The write's deletes and upserts reduced to what one statement can apply with the same end state as
    /// "deletes, then upserts in order": PostgreSQL refuses to touch one row twice in a statement (ON
    /// CONFLICT DO UPDATE on a row upserted or deleted by the same statement). An item both deleted and
    /// upserted is only upserted; an item upserted twice keeps its last payload.
    /// </summary>
    private static (IReadOnlyList<(string Kind, string Key)> Deletes, IReadOnlyList<StoredItem> Upserts) Fold(GrainWrite write)
    {
        // The common write (a refresh: one upsert, nothing deleted) needs no folding and allocates nothing.
        if (write.Upserts.Count == 0 || (write.Upserts.Count == 1 && write.Deletes.Count == 0))
        {
            return (write.Deletes, write.Upserts);
        }

        var last = new Dictionary<(string, string), StoredItem>(write.Upserts.Count);
        foreach (var item in write.Upserts)
        {
            last[(item.Kind, item.Key)] = item;
        }

        var upserts = last.Count == write.Upserts.Count ? write.Upserts : [.. last.Values];
        var deletes = write.Deletes.Where(item => !last.ContainsKey(item)).ToArray();
        return (deletes, upserts);
    }
}
