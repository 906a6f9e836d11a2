using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Presence.Grains.Storage;

/// <summary>
/// Group commit in front of an <see cref="IGrainStore"/>: writes that arrive while a batch is being
/// committed wait and go together in the next batch, so N concurrent writers pay for about one
/// transaction (one fsync) instead of N, and each still learns its own result only once its batch is
/// durable. Writes of one caller keep their order; the store applies a batch in order.
/// </summary>
public sealed class GroupCommitter : IAsyncDisposable
{
    private readonly IGrainStore _store;
    private readonly int _maxBatchSize;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite> _queue;
    private readonly Task _loop;
    private long _batches;
    private long _writes;
    private long _failedBatches;
    private long _conflicts;
    private int _largestBatch;

    /// <param name="maxBatchSize">
    /// The most writes in one transaction (default 512): large enough to absorb a burst in one fsync,
    /// small enough that one transaction does not hold the write lock (and delay readers' checkpoints) long.
    /// </param>
    public GroupCommitter(IGrainStore store, int maxBatchSize = 512, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatchSize);
        _store = store;
        _maxBatchSize = maxBatchSize;
        _logger = logger ?? NullLogger.Instance;
        // Bounded: when the store falls behind, writers wait to enqueue instead of growing memory without end.
        _queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(maxBatchSize * 4)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Transactions the store was asked to commit and did.</summary>
    public long BatchesCommitted => Interlocked.Read(ref _batches);

    /// <summary>Writes that went through a committed transaction (conflicts included: they were answered).</summary>
    public long WritesCommitted => Interlocked.Read(ref _writes);

    /// <summary>Transactions that failed; each of their writes was reported failed.</summary>
    public long BatchesFailed => Interlocked.Read(ref _failedBatches);

    /// <summary>
    /// Writes refused because the grain's stored version was not the one expected: a second owner of a key
    /// (a silo that had not yet let go of a user another silo took over) caught and never applied.
    /// </summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <summary>The most writes one transaction has carried.</summary>
    public int LargestBatch => Volatile.Read(ref _largestBatch);

    /// <summary>Called on the commit loop after each transaction, committed or failed (telemetry; keep it quick).</summary>
    public Action<GroupCommitBatch>? BatchDone { get; set; }

    /// <summary>
    /// Queues the write for the next batch and completes when that batch has committed, with this
    /// write's own result, or faults if the batch failed (then the write must be taken as not applied).
    /// <paramref name="ct"/> only stops waiting for room in the queue: once queued, a write is committed
    /// or failed with its batch, never silently dropped.
    /// </summary>
    public async Task<WriteResult> CommitAsync(GrainWrite write, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var pending = new PendingWrite(write);
        try
        {
            if (!_queue.Writer.TryWrite(pending))
            {
                await _queue.Writer.WriteAsync(pending, ct).ConfigureAwait(false);
            }
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(GroupCommitter));
        }

        return await pending.Task.ConfigureAwait(false);
    }

    /// <summary>Commits what is queued, then stops. Does not dispose the store.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<PendingWrite>(_maxBatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Whatever queued up while the previous batch was committing goes in this one.
            batch.Clear();
            while (batch.Count < _maxBatchSize && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            await CommitWritesAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task CommitWritesAsync(List<PendingWrite> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var writes = new GrainWrite[batch.Count];
        for (var i = 0; i < writes.Length; i++)
        {
            writes[i] = batch[i].Write;
        }

        IReadOnlyList<WriteResult> results;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            // Not cancellable: a batch that has started must end in a known state for every writer in it.
            results = await _store.WriteAsync(writes, CancellationToken.None).ConfigureAwait(false);
            if (results.Count != writes.Length)
            {
                throw new InvalidOperationException(
                    $"The store answered {results.Count} results for a batch of {writes.Length} writes.");
            }
        }
        catch (Exception exception)
        {
            Interlocked.Increment(ref _failedBatches);
            BatchDone?.Invoke(new GroupCommitBatch(batch.Count, 0, System.Diagnostics.Stopwatch.GetElapsedTime(started), Failed: true));
            StorageLog.GroupCommitFailed(_logger, exception, batch.Count);
            foreach (var pending in batch)
            {
                pending.TrySetException(exception);
            }

            return;
        }

        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _writes, batch.Count);
        if (batch.Count > _largestBatch)
        {
            // Only this loop writes the field; Volatile makes the new value visible to readers.
            Volatile.Write(ref _largestBatch, batch.Count);
        }

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var conflicts = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i].Status == WriteStatus.Conflict)
            {
                Interlocked.Increment(ref _conflicts);
                conflicts++;
            }

            batch[i].TrySetResult(results[i]);
        }

        BatchDone?.Invoke(new GroupCommitBatch(batch.Count, conflicts, elapsed, Failed: false));
    }

    // The write and its caller's completion in one allocation. Continuations run asynchronously so a
    // caller's code never runs on (and stalls) the commit loop.
    private sealed class PendingWrite(GrainWrite write)
        : TaskCompletionSource<WriteResult>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public GrainWrite Write { get; } = write;
    }
}
