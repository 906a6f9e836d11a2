using Microsoft.Extensions.Logging;
using Presence.Cluster.Storage;

namespace Presence.Cluster.Runtime;

/// <summary>
/// Hosts the grains of one type in this process. A key maps to a partition by a stable hash
/// (<see cref="PartitionHash"/>), a partition to one of a fixed set of workers; the worker runs the
/// key's turns one at a time, activating the grain on its first turn and deactivating it when idle.
/// Due times are kept exactly by per-worker timers while a grain is active, and by polling the store
/// (<see cref="GrainRuntimeOptions.ReminderPollInterval"/>) while it is not.
/// A turn that throws fails its caller and deactivates the grain, so the next turn starts from what
/// the store holds rather than from memory the failed turn may have left half-changed.
/// </summary>
public sealed class GrainRuntime<TGrain> : IAsyncDisposable where TGrain : IGrain
{
    private readonly IGrainFactory<TGrain> _factory;
    private readonly GrainRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly TurnTracker _tracker = new();
    // Cancelled only when a stop gives up waiting; grains see it as the token of their activation and
    // expiry work. Never disposed: turns left running by such a stop may still hold it.
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _stopLock = new();
    private readonly PartitionWorker<TGrain>[] _workers;
    private readonly ReminderPoller _poller;
    private int _started;
    private Task? _stopped;

    public GrainRuntime(
        IGrainFactory<TGrain> factory, IGrainStore store, GrainRuntimeOptions options, TimeProvider time, ILogger logger,
        IPartitionOwnership? ownership = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _factory = factory;
        _options = options;
        _logger = logger;
        _workers = new PartitionWorker<TGrain>[options.Workers];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new PartitionWorker<TGrain>(i, this, factory, options, time, logger, _tracker, _stopping.Token, ownership);
        }

        Ownership = ownership;
        // A silo wakes only the due grains of partitions it owns; the owners of the others wake theirs.
        _poller = new ReminderPoller(store, factory.GrainType, options, time, logger,
            ownership is null ? Wake : key =>
            {
                if (ownership.Owns(PartitionHash.PartitionOf(key, options.Partitions)))
                    Wake(key);
            });
    }

    /// <summary>The cluster's say on which partitions this process serves; null in a single process.</summary>
    public IPartitionOwnership? Ownership { get; }

    /// <summary>Grains in memory now, over all workers.</summary>
    public int ActiveCount => _workers.Sum(worker => worker.ActiveCount);

    /// <summary>Starts the workers and the reminder poller. Turns queued before the start run then.</summary>
    public Task StartAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (StartWorkers())
        {
            _poller.Start();
            RuntimeLog.Started(_logger, _factory.GrainType, _options.Partitions, _options.Workers);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Runs <paramref name="turn"/> on the key's grain after every turn queued before it, activating the
    /// grain first if needed. The task carries the turn's result or exception, and completes only after
    /// the runtime has re-armed the grain's due timer from the turn's outcome. <paramref name="ct"/> stops
    /// the wait; a turn that has not started by then is skipped, one that has runs to its end.
    /// </summary>
    public Task<T> InvokeAsync<T>(string key, Func<TGrain, ValueTask<T>> turn, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(turn);
        if (ct.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(ct);
        }

        var invoke = new InvokeTurn<TGrain, T>(turn, ct);
        if (!TrySubmit(key, invoke))
        {
            return Task.FromException<T>(new InvalidOperationException($"The {_factory.GrainType} grain runtime is stopping."));
        }

        return ct.CanBeCanceled ? invoke.Task.WaitAsync(ct) : invoke.Task;
    }

    /// <summary>Queues a turn nobody waits for (a NOTIFY's response coming back, say); its failure is logged.</summary>
    public void Post(string key, Func<TGrain, ValueTask> turn)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(turn);
        if (!TrySubmit(key, new PostedTurn<TGrain>(turn)))
        {
            RuntimeLog.PostDropped(_logger, _factory.GrainType, key);
        }
    }

    /// <summary>
    /// Deactivates every grain of the partitions <paramref name="lost"/> names once its queued turns have
    /// run (turns still arriving for them fail at activation, since the partition is no longer owned), and
    /// completes when none is left in memory. The grains' writes may still be in the group committer: the
    /// caller flushes it before telling the cluster the partitions are free.
    /// </summary>
    public async Task ReleaseAsync(Func<int, bool> lost, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(lost);
        while (true)
        {
            var requests = _workers.Select(worker =>
            {
                var request = new ReleaseRequest(lost, _options.Partitions);
                return worker.Post(new WorkerMessage(WorkerMessageKind.Release, Payload: request)) ? request.Task : Task.FromResult(0);
            }).ToArray();
            var remaining = (await Task.WhenAll(requests).WaitAsync(ct).ConfigureAwait(false)).Sum();
            if (remaining == 0)
                return;
            // Some grains are still running turns; look again shortly.
            await Task.Delay(5, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Asks the reminder poller to look for due grains now (after this silo gained partitions).</summary>
    public void PollNow() => _poller.PollNow();

    /// <summary>
    /// Stops taking turns from outside, waits for every queued and running turn (and the turns they
    /// start) to finish, then stops the workers. If <paramref name="ct"/> fires first, turns still
    /// queued fail with <see cref="OperationCanceledException"/> and the grains' token is cancelled.
    /// </summary>
    public Task StopAsync(CancellationToken ct)
    {
        lock (_stopLock)
        {
            return _stopped ??= StopCoreAsync(ct);
        }
    }

    /// <summary>Stops as <see cref="StopAsync"/> does, waiting for the drain without a limit.</summary>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private async Task StopCoreAsync(CancellationToken ct)
    {
        RuntimeLog.Stopping(_logger, _factory.GrainType, _tracker.Outstanding);
        var drained = _tracker.BeginStop();
        await _poller.StopAsync().ConfigureAwait(false);
        // Turns queued before a start that never came are drained like any others.
        StartWorkers();
        try
        {
            await drained.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            RuntimeLog.StopCancelled(_logger, _factory.GrainType, _tracker.Outstanding);
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_workers.Select(worker => worker.StopAsync())).ConfigureAwait(false);
        RuntimeLog.Stopped(_logger, _factory.GrainType);
    }

    private bool StartWorkers()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            return false;
        }

        foreach (var worker in _workers)
        {
            worker.Start();
        }

        return true;
    }

    private bool TrySubmit(string key, GrainTurn<TGrain> turn)
    {
        // A grain calling another grain during a drain is part of finishing the work, not new work.
        var fromInsideTurn = SynchronizationContext.Current is WorkerSynchronizationContext context
            && ReferenceEquals(context.Owner, this);
        if (!_tracker.TryBegin(fromInsideTurn))
        {
            return false;
        }

        if (!WorkerOf(key).Post(new WorkerMessage(WorkerMessageKind.Turn, key, turn)))
        {
            _tracker.End();
            return false;
        }

        return true;
    }

    private void Wake(string key) => WorkerOf(key).Post(new WorkerMessage(WorkerMessageKind.Wake, key));

    private PartitionWorker<TGrain> WorkerOf(string key) =>
        _workers[PartitionHash.PartitionOf(key, _options.Partitions) % _workers.Length];
}
