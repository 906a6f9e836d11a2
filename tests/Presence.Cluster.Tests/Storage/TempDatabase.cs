using Microsoft.Extensions.Logging.Abstractions;
using Presence.Cluster.Storage;

namespace Presence.Cluster.Tests.Storage;

/// <summary>A SQLite file of one test's own, deleted (with its WAL files) at the end.</summary>
internal sealed class TempDatabase : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"presence-cluster-{Guid.NewGuid():N}.db");

    public SqliteGrainStore CreateStore() => new(Path, NullLogger.Instance);

    public async Task<SqliteGrainStore> OpenAsync()
    {
        var store = CreateStore();
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }

    public void Dispose()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Path + suffix);
        }
    }
}
