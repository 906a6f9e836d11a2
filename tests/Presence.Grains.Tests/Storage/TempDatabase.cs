using Microsoft.Extensions.Logging.Abstractions;
using Presence.Grains.Storage;

namespace Presence.Grains.Tests.Storage;

/// <summary>A SQLite file of one test's own, deleted (with its WAL files) at the end.</summary>
internal sealed class TempDatabase(string? path = null) : IDisposable
{
    /// <summary>The file; a test that reopens a store after a restart passes the same path again.</summary>
    public string Path { get; } = path ?? System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"presence-grains-{Guid.NewGuid():N}.db");

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
