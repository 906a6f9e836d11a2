namespace Presence.Storage.Benchmarks;

/// <summary>One provider on one database, set up fresh for the run and torn down after it.</summary>
public abstract class StorageTarget : IAsyncDisposable
{
    /// <summary>The name the table shows, e.g. "ours-sqlite".</summary>
    public abstract string Name { get; }

    /// <summary>What one <c>WriteStateAsync</c> writes and how the provider is set up, for the report.</summary>
    public abstract string Writes { get; }

    /// <summary>A writer for the grain numbered <paramref name="grain"/>, holding <paramref name="items"/> subscriptions.</summary>
    public abstract GrainWriter CreateWriter(int grain, int items);

    /// <summary>Transactions committed so far, for a provider that batches writes into them (null: one per write).</summary>
    public virtual long? Transactions => null;

    /// <summary>Called once the grains are seeded, so that <see cref="Writes"/> can tell sizes measured on real state.</summary>
    public virtual void Seeded(GrainWriter sample)
    {
    }

    public abstract ValueTask DisposeAsync();

    /// <summary>Deletes a SQLite database and the WAL files beside it.</summary>
    protected static void DeleteSqliteFiles(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
