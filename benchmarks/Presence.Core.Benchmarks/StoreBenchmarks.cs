using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Presence.Grains.Storage;

namespace Presence.Core.Benchmarks;

/// <summary>
/// The durable write a 2xx waits for, on the embedded SQLite store (WAL, synchronous=FULL): one write alone,
/// and 64 or 512 writers at once through group commit, which is what lets many users share one fsync.
/// Per-operation times are per batch of writers; divide by the writers for the cost of one.
/// </summary>
[Config(typeof(Presence.Sip.Benchmarks.BenchmarkConfig))]
public class StoreBenchmarks
{
    private string _path = "";
    private SqliteGrainStore _store = null!;
    private GroupCommitter _committer = null!;
    private readonly Dictionary<string, long> _versions = [];
    private readonly byte[] _payload = new byte[300];

    [Params(1, 64, 512)]
    public int Writers { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _path = Path.Combine(Path.GetTempPath(), $"presence-bench-{Guid.NewGuid():N}.db");
        _store = new SqliteGrainStore(_path, NullLogger.Instance);
        await _store.InitializeAsync(CancellationToken.None);
        _committer = new GroupCommitter(_store);
        Random.Shared.NextBytes(_payload);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _committer.DisposeAsync();
        await _store.DisposeAsync();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
            File.Delete(file);
    }

    /// <summary>Each writer refreshes one publication row of its own user, as a PUBLISH refresh does.</summary>
    [Benchmark]
    public async Task Commit_concurrent_writers()
    {
        var writes = new Task<WriteResult>[Writers];
        for (var i = 0; i < Writers; i++)
        {
            var key = "sip:user" + i + "@example.com";
            var version = _versions.GetValueOrDefault(key);
            writes[i] = _committer.CommitAsync(new GrainWrite(
                "presentity", key, version, [new StoredItem("publication", "etag", _payload)], [], null, []));
        }
        var results = await Task.WhenAll(writes);
        for (var i = 0; i < Writers; i++)
        {
            if (results[i].Status != WriteStatus.Committed)
                throw new InvalidOperationException("A benchmark write conflicted.");
            _versions["sip:user" + i + "@example.com"] = results[i].NewVersion;
        }
    }
}
