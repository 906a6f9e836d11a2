using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Presence.Cluster.Storage;

namespace Presence.Cluster.Membership;

/// <summary>
/// The membership table in PostgreSQL. Every change of who is in the ring (a join, a status change, a
/// death declaration) is a compare-and-swap on the cluster's version row in the same transaction as
/// the row change, and ends with pg_notify so every member re-reads at once. Lease renewals and the
/// "drained" marker are not ring changes: they touch one row and do not move the version.
/// </summary>
public sealed class PostgresMembershipTable : IAsyncDisposable
{
    /// <summary>The LISTEN/NOTIFY channel; the payload is the cluster id.</summary>
    public const string Channel = "presence_cluster";

    private const string Columns =
        "silo_id, incarnation, role, status, sip_address, http_address, lease_expires, joined_at, updated_at, drained_version";

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;

    public PostgresMembershipTable(string connectionString, string clusterId, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        // Membership statements must not queue behind a busy pool of store writes: a lease renewal that
        // waits for a connection is a lease that runs out.
        builder.ConnectionStringBuilder.Pooling = true;
        // A renewal, a probe, a change and the LISTEN connection at most at once: a few connections suffice, and
        // every member's are counted against PostgreSQL's max_connections.
        builder.ConnectionStringBuilder.MaxPoolSize = 4;
        builder.ConnectionStringBuilder.Timeout = 5;
        builder.ConnectionStringBuilder.CommandTimeout = 5;
        _dataSource = builder.Build();
        ClusterId = clusterId;
        _logger = logger;
    }

    public string ClusterId { get; }

    /// <summary>Creates or migrates the schema (the grain store's migrations include these tables) and the cluster's version row.</summary>
    public async Task InitializeAsync(CancellationToken ct)
    {
        await PostgresSchema.MigrateAsync(_dataSource, _logger, ct).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(
            "INSERT INTO cluster_versions (cluster_id, version) VALUES ($1, 0) ON CONFLICT (cluster_id) DO NOTHING");
        command.Parameters.Add(Text(ClusterId));
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The version, the database's clock and all rows, from one snapshot.</summary>
    public async Task<MembershipSnapshot> ReadAsync(CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
        long version;
        DateTimeOffset now;
        await using (var head = new NpgsqlCommand("SELECT version, now() FROM cluster_versions WHERE cluster_id = $1", connection, transaction))
        {
            head.Parameters.Add(Text(ClusterId));
            await using var reader = await head.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                throw new InvalidOperationException($"Cluster '{ClusterId}' has no version row; InitializeAsync creates it.");
            version = reader.GetInt64(0);
            now = reader.GetFieldValue<DateTimeOffset>(1);
        }

        var members = new List<ClusterMember>();
        await using (var rows = new NpgsqlCommand($"SELECT {Columns} FROM cluster_members WHERE cluster_id = $1 ORDER BY silo_id, incarnation", connection, transaction))
        {
            rows.Parameters.Add(Text(ClusterId));
            await using var reader = await rows.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                members.Add(new ClusterMember(
                    reader.GetString(0), reader.GetInt64(1), ClusterMember.ParseRole(reader.GetString(2)),
                    ClusterMember.ParseStatus(reader.GetString(3)), reader.GetString(4), reader.GetString(5),
                    reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7),
                    reader.GetFieldValue<DateTimeOffset>(8), reader.GetInt64(9)));
            }
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return new MembershipSnapshot(version, now, members);
    }

    /// <summary>
    /// Adds an incarnation as Active with a lease of <paramref name="lease"/> from the database's now, and
    /// marks any earlier live incarnation of the same name dead (it is this silo, restarted). False when the
    /// version is no longer <paramref name="expectedVersion"/>: re-read and try again.
    /// </summary>
    public Task<bool> TryJoinAsync(ClusterMember member, TimeSpan lease, long expectedVersion, CancellationToken ct) =>
        ChangeAsync(expectedVersion, async (connection, transaction) =>
        {
            await using (var retire = new NpgsqlCommand(
                "UPDATE cluster_members SET status = 'dead', updated_at = now() WHERE cluster_id = $1 AND silo_id = $2 AND status IN ('active', 'leaving')",
                connection, transaction))
            {
                retire.Parameters.Add(Text(ClusterId));
                retire.Parameters.Add(Text(member.SiloId));
                await retire.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await using var insert = new NpgsqlCommand(
                $"INSERT INTO cluster_members (cluster_id, {Columns}) VALUES ($1, $2, $3, $4, 'active', $5, $6, now() + $7, now(), now(), 0)",
                connection, transaction);
            insert.Parameters.Add(Text(ClusterId));
            insert.Parameters.Add(Text(member.SiloId));
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = member.Incarnation });
            insert.Parameters.Add(Text(ClusterMember.Text(member.Role)));
            insert.Parameters.Add(Text(member.SipAddress));
            insert.Parameters.Add(Text(member.HttpAddress));
            insert.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease, NpgsqlDbType = NpgsqlDbType.Interval });
            return await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, ct);

    /// <summary>Moves one incarnation to <paramref name="status"/> (leaving, left). False on a version change or when the row is not live.</summary>
    public Task<bool> TrySetStatusAsync(string siloId, long incarnation, MemberStatus status, long expectedVersion, CancellationToken ct) =>
        ChangeAsync(expectedVersion, async (connection, transaction) =>
        {
            await using var update = new NpgsqlCommand(
                "UPDATE cluster_members SET status = $4, updated_at = now() WHERE cluster_id = $1 AND silo_id = $2 AND incarnation = $3 AND status IN ('active', 'leaving')",
                connection, transaction);
            update.Parameters.Add(Text(ClusterId));
            update.Parameters.Add(Text(siloId));
            update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = incarnation });
            update.Parameters.Add(Text(ClusterMember.Text(status)));
            return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, ct);

    /// <summary>
    /// Declares dead every live row whose lease has expired by the database's clock. Returns how many; 0
    /// (and no version change) when none had, or when the version moved meanwhile.
    /// </summary>
    public async Task<int> DeclareExpiredDeadAsync(long expectedVersion, CancellationToken ct)
    {
        var count = 0;
        await ChangeAsync(expectedVersion, async (connection, transaction) =>
        {
            await using var update = new NpgsqlCommand(
                "UPDATE cluster_members SET status = 'dead', updated_at = now() WHERE cluster_id = $1 AND status IN ('active', 'leaving') AND lease_expires < now()",
                connection, transaction);
            update.Parameters.Add(Text(ClusterId));
            count = await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return count > 0;
        }, ct).ConfigureAwait(false);
        return count;
    }

    /// <summary>
    /// Extends the incarnation's lease to the database's now plus <paramref name="lease"/>. False when the row
    /// is no longer live (it was declared dead): the caller must stop serving and join again.
    /// </summary>
    public async Task<bool> RenewAsync(string siloId, long incarnation, TimeSpan lease, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(
            "UPDATE cluster_members SET lease_expires = now() + $4, updated_at = now() WHERE cluster_id = $1 AND silo_id = $2 AND incarnation = $3 AND status IN ('active', 'leaving')");
        command.Parameters.Add(Text(ClusterId));
        command.Parameters.Add(Text(siloId));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = incarnation });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    /// <summary>Records that the incarnation has let go of every partition it lost up to <paramref name="version"/>, and tells the others.</summary>
    public async Task MarkDrainedAsync(string siloId, long incarnation, long version, CancellationToken ct)
    {
        await using var batch = _dataSource.CreateBatch();
        var update = new NpgsqlBatchCommand(
            "UPDATE cluster_members SET drained_version = GREATEST(drained_version, $4), updated_at = now() WHERE cluster_id = $1 AND silo_id = $2 AND incarnation = $3");
        update.Parameters.Add(Text(ClusterId));
        update.Parameters.Add(Text(siloId));
        update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = incarnation });
        update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
        batch.BatchCommands.Add(update);
        batch.BatchCommands.Add(Notify());
        await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Deletes dead and left rows last changed longer ago than <paramref name="retention"/>. Returns how many.</summary>
    public async Task<int> CleanUpAsync(TimeSpan retention, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(
            "DELETE FROM cluster_members WHERE cluster_id = $1 AND status IN ('dead', 'left') AND updated_at < now() - $2");
        command.Parameters.Add(Text(ClusterId));
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = retention, NpgsqlDbType = NpgsqlDbType.Interval });
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Listens for changes until <paramref name="ct"/> fires, calling <paramref name="changed"/> for each
    /// notification about this cluster and once after every (re)connection (changes may have been missed).
    /// A broken connection is opened again after a second; the caller's polling covers the gap.
    /// </summary>
    public async Task ListenAsync(Action changed, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                connection.Notification += (_, e) =>
                {
                    if (e.Payload == ClusterId)
                        changed();
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                changed();
                while (!ct.IsCancellationRequested)
                {
                    // The timeout only lets a dead connection be noticed: a keep-alive query below.
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(ct).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                MembershipLog.ListenFailed(_logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    // Bumps the version if it is still the expected one, runs the change, notifies; all or nothing.
    private async Task<bool> ChangeAsync(
        long expectedVersion, Func<NpgsqlConnection, NpgsqlTransaction, Task<bool>> change, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var bump = new NpgsqlCommand(
            "UPDATE cluster_versions SET version = version + 1 WHERE cluster_id = $1 AND version = $2", connection, transaction))
        {
            bump.Parameters.Add(Text(ClusterId));
            bump.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
            if (await bump.ExecuteNonQueryAsync(ct).ConfigureAwait(false) != 1)
                return false;
        }

        if (!await change(connection, transaction).ConfigureAwait(false))
        {
            await transaction.RollbackAsync(ct).ConfigureAwait(false);
            return false;
        }

        await using (var notify = new NpgsqlCommand($"SELECT pg_notify('{Channel}', $1)", connection, transaction))
        {
            notify.Parameters.Add(Text(ClusterId));
            await notify.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return true;
    }

    private NpgsqlBatchCommand Notify()
    {
        var notify = new NpgsqlBatchCommand($"SELECT pg_notify('{Channel}', $1)");
        notify.Parameters.Add(Text(ClusterId));
        return notify;
    }

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };
}
