using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Presence.Grains.Storage;

namespace Presence.Grains.Tests.Storage;

/// <summary>
/// cluster-config/schema.sql is the silos' own migration as a script: it must say the same, create a database
/// the silos accept, and change nothing when run again or after the silos migrated. Regenerate it with
/// PRESENCE_WRITE_SCHEMA=1 dotnet test tests/Presence.Grains.Tests --filter SchemaScript.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SchemaScriptTests(PostgresServer server)
{
    private static string ScriptPath
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Presence.Orleans.sln")))
                directory = directory.Parent;
            return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Repository root not found."), "cluster-config", "schema.sql");
        }
    }

    [Fact]
    public void The_shipped_script_is_the_migration_of_this_build()
    {
        if (Environment.GetEnvironmentVariable("PRESENCE_WRITE_SCHEMA") == "1")
            File.WriteAllText(ScriptPath, PostgresSchema.Script());
        Assert.Equal(PostgresSchema.Script(), File.ReadAllText(ScriptPath));
    }

    [Fact]
    public async Task The_script_creates_what_the_silos_expect_and_is_idempotent()
    {
        var (name, connectionString) = await server.CreateDatabaseAsync();
        try
        {
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                for (var run = 0; run < 2; run++)
                {
                    await using var command = new NpgsqlCommand(File.ReadAllText(ScriptPath), connection);
                    await command.ExecuteNonQueryAsync();
                }
                await using var versions = new NpgsqlCommand("SELECT count(*) FROM schema_version", connection);
                Assert.Equal((long)PostgresSchema.LatestVersion, (long)(await versions.ExecuteScalarAsync())!);
            }

            // The silos find nothing to migrate, and the tables work.
            await using var store = new PostgresGrainStore(connectionString, NullLogger.Instance);
            await store.InitializeAsync(CancellationToken.None);
            var write = new GrainWrite("t", "k", 0, [new StoredItem("a", "b", [1])], [], null, []);
            Assert.Equal(WriteStatus.Committed, (await store.WriteAsync([write], CancellationToken.None))[0].Status);
        }
        finally
        {
            await server.DropDatabaseAsync(name);
        }
    }
}
