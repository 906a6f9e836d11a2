using Presence.Grains.Storage;

namespace Presence.Grains.Tests.Storage;

/// <summary>Group commit's own rules, against a store the test holds at the gate.</summary>
public sealed class GroupCommitterTests
{
    [Fact]
    public async Task Writes_arriving_during_a_commit_go_together_in_the_next_batch_up_to_the_limit()
    {
        var store = new GatedStore();
        await using var committer = new GroupCommitter(store, maxBatchSize: 3);

        var first = committer.CommitAsync(Write("w0"));
        await store.FirstBatchEntered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var rest = Enumerable.Range(1, 7).Select(i => committer.CommitAsync(Write($"w{i}"))).ToArray();
        store.Gate.SetResult();
        await Task.WhenAll([first, .. rest]).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1, 3, 3, 1], store.BatchSizes);
        Assert.Equal((4, 8, 3), (committer.BatchesCommitted, committer.WritesCommitted, committer.LargestBatch));
        // Batches keep the callers' order, and each caller gets the result of its own write.
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"w{i}"), store.Keys);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), (await Task.WhenAll([first, .. rest])).Select(r => r.NewVersion));
    }

    [Fact]
    public async Task Disposing_completes_only_after_every_write_queued_before_it_has_its_answer()
    {
        var store = new GatedStore();
        var committer = new GroupCommitter(store, maxBatchSize: 2);

        var writes = Enumerable.Range(0, 5).Select(i => committer.CommitAsync(Write($"w{i}"))).ToArray();
        await store.FirstBatchEntered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // What a stopping silo does once its grains have gone: the queued writes are committed, not dropped.
        var stopped = committer.DisposeAsync().AsTask();
        await Task.Delay(50);
        Assert.False(stopped.IsCompleted, "stopped while writes were still held at the store");

        store.Gate.SetResult();
        await stopped.WaitAsync(TimeSpan.FromSeconds(10));
        // Everything queued before the stop was in the store when it completed.
        Assert.Equal(5, store.Keys.Count);
        Assert.All(await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(10)), r => Assert.Equal(WriteStatus.Committed, r.Status));
    }

    [Fact]
    public async Task Conflicting_writes_are_counted_and_reported_to_their_writer()
    {
        var database = new TempDatabase();
        await using var store = new SqliteGrainStore(database.Path, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await store.InitializeAsync(CancellationToken.None);
        await using var committer = new GroupCommitter(store);

        Assert.Equal(WriteStatus.Committed, (await committer.CommitAsync(Write("alice") with { GrainType = "t" })).Status);
        // A second owner that read the same version 0 loses: caught, never applied.
        var stale = await committer.CommitAsync(Write("alice") with { GrainType = "t" });

        Assert.Equal(WriteStatus.Conflict, stale.Status);
        Assert.Equal(1, committer.Conflicts);
        Assert.Equal(1, (await store.ReadAsync("t", "alice", CancellationToken.None))!.Version);
        database.Dispose();
    }

    [Fact]
    public async Task A_store_failure_faults_every_write_of_its_batch_and_the_next_batch_still_commits()
    {
        var store = new GatedStore();
        await using var committer = new GroupCommitter(store);

        var first = committer.CommitAsync(Write("w0"));
        await store.FirstBatchEntered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var doomed = Enumerable.Range(1, 5).Select(i => committer.CommitAsync(Write($"w{i}"))).ToArray();
        store.FailBatch = 2;
        store.Gate.SetResult();

        Assert.Equal(WriteStatus.Committed, (await first.WaitAsync(TimeSpan.FromSeconds(10))).Status);
        foreach (var write in doomed)
        {
            var error = await Assert.ThrowsAsync<IOException>(() => write.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal("disk on fire", error.Message);
        }

        Assert.Equal(WriteStatus.Committed, (await committer.CommitAsync(Write("after")).WaitAsync(TimeSpan.FromSeconds(10))).Status);
        Assert.Equal((2, 1, 2), (committer.BatchesCommitted, committer.BatchesFailed, committer.WritesCommitted));
    }

    [Fact]
    public async Task Disposing_commits_what_is_queued_and_refuses_what_comes_after()
    {
        var store = new GatedStore();
        var committer = new GroupCommitter(store);
        var first = committer.CommitAsync(Write("w0"));
        await store.FirstBatchEntered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var queued = committer.CommitAsync(Write("w1"));

        var disposing = committer.DisposeAsync().AsTask();
        store.Gate.SetResult();
        await disposing.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WriteStatus.Committed, (await queued).Status);
        Assert.Equal(WriteStatus.Committed, (await first).Status);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => committer.CommitAsync(Write("late")));
    }

    private static GrainWrite Write(string key) => new("user", key, 0, [], [], null, []);

    /// <summary>
    /// Holds the first batch until <see cref="Gate"/> opens, so the test can queue writes behind it;
    /// fails the batch numbered <see cref="FailBatch"/>; answers each write with its position overall.
    /// </summary>
    private sealed class GatedStore : IGrainStore
    {
        private int _batches;

        public TaskCompletionSource FirstBatchEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int FailBatch { get; set; }

        public List<int> BatchSizes { get; } = [];

        public List<string> Keys { get; } = [];

        public async Task<IReadOnlyList<WriteResult>> WriteAsync(IReadOnlyList<GrainWrite> batch, CancellationToken ct)
        {
            var number = Interlocked.Increment(ref _batches);
            FirstBatchEntered.TrySetResult();
            await Gate.Task;
            if (number == FailBatch)
            {
                throw new IOException("disk on fire");
            }

            BatchSizes.Add(batch.Count);
            var results = batch.Select((_, i) => new WriteResult(WriteStatus.Committed, Keys.Count + i)).ToArray();
            Keys.AddRange(batch.Select(write => write.GrainKey));
            return results;
        }

        public Task InitializeAsync(CancellationToken ct) => Task.CompletedTask;

        public Task<GrainSnapshot?> ReadAsync(string grainType, string grainKey, CancellationToken ct) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<(string GrainKey, DateTimeOffset DueAt)>> ReadDueAsync(
            string grainType, DateTimeOffset before, int max, CancellationToken ct) => throw new NotSupportedException();

        public Task<IReadOnlyList<HistoryRecord>> ReadHistoryAsync(
            string grainType, string grainKey, DateTimeOffset? since, int max, CancellationToken ct) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<string>> ListKeysAsync(string grainType, string? afterKey, int max, CancellationToken ct) =>
            throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
