using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;

namespace Presence.Storage.Benchmarks;

/// <summary>
/// Orleans' Persistence.AdoNet on PostgreSQL (a database of its own, with adonet-persistence.sql applied) or on
/// SQLite (a file of its own, with adonet-persistence-sqlite.sql): one row per grain holding the whole serialized
/// state, one command (one round trip, one transaction) per write.
/// </summary>
public sealed class AdoNetTarget : StorageTarget
{
    private readonly AdoNetProvider _provider;
    private readonly string _setup;
    private readonly Func<ValueTask> _cleanup;
    private string? _stateSize;

    private AdoNetTarget(string name, string setup, AdoNetProvider provider, Func<ValueTask> cleanup)
    {
        Name = name;
        _setup = setup;
        _provider = provider;
        _cleanup = cleanup;
    }

    public override string Name { get; }

    public override string Writes =>
        $"the whole state, {_stateSize ?? "?"}, one of them changed, "
        + $"serialized and written over the grain's one row by one command, committed on its own ({_setup})";

    public static async Task<AdoNetTarget> PostgresAsync(PostgresServer server, CancellationToken ct)
    {
        const string database = "storage_bench_adonet";
        var connectionString = await server.CreateDatabaseAsync(database, ct).ConfigureAwait(false);
        try
        {
            await PostgresServer.ApplyScriptAsync(connectionString, Script("adonet-persistence.sql"), ct).ConfigureAwait(false);
            var provider = await AdoNetProvider.StartAsync("Npgsql", connectionString, ct).ConfigureAwait(false);
            return new AdoNetTarget("adonet-postgres", "PostgreSQL, invariant Npgsql, Npgsql's default pool (100)", provider,
                () => new ValueTask(server.DropDatabaseAsync(database, CancellationToken.None)));
        }
        catch
        {
            await server.DropDatabaseAsync(database, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public static async Task<AdoNetTarget> SqliteAsync(string directory, CancellationToken ct)
    {
        var path = Path.Combine(directory, "adonet.db");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path }.ToString();
        string synchronous;
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            // journal_mode=WAL is kept in the file, so every pooled connection the provider opens has it; synchronous
            // is per connection and stays SQLite's default, which is read back for the report.
            command.CommandText = "PRAGMA journal_mode = WAL;" + Script("adonet-persistence-sqlite.sql");
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            command.CommandText = "PRAGMA synchronous";
            synchronous = Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture) switch
            {
                0 => "OFF",
                1 => "NORMAL",
                2 => "FULL",
                3 => "EXTRA",
                var other => other.ToString(CultureInfo.InvariantCulture),
            };
        }

        var provider = await AdoNetProvider.StartAsync("System.Data.SQLite", connectionString, ct).ConfigureAwait(false);
        return new AdoNetTarget("adonet-sqlite", $"SQLite WAL, synchronous={synchronous} (the connection default), Microsoft.Data.Sqlite's pool",
            provider, () =>
            {
                SqliteConnection.ClearAllPools();
                DeleteSqliteFiles(path);
                return ValueTask.CompletedTask;
            });
    }

    public override GrainWriter CreateWriter(int grain, int items) => new WholeStateWriter(_provider.Storage, grain, items);

    public override void Seeded(GrainWriter sample)
    {
        var document = ((WholeStateWriter)sample).Document;
        var bytes = _provider.Storage.Serializer.Serialize(document).ToMemory().Length;
        _stateSize = string.Create(CultureInfo.InvariantCulture,
            $"{bytes:N0} bytes of JSON for {document.Items.Count} subscriptions of {SubscriptionPayload.Length} bytes");
    }

    public override async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync().ConfigureAwait(false);
        await _cleanup().ConfigureAwait(false);
    }

    private static string Script(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
