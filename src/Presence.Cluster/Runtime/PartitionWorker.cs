using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Presence.Cluster.Runtime;

/// <summary>
/// One single-consumer loop that owns the grains of its partitions. Turns of one grain run one at a
/// time in arrival order; while a turn awaits (a group commit, another grain), the worker runs other
/// grains' turns, so one slow write does not stall every key that shares the worker. The await resumes
/// through the worker's channel (<see cref="WorkerSynchronizationContext"/>), so all the bookkeeping
/// runs on the loop and needs no locks. This file: the loop and its messages; turns and grain lifetime
/// are in the other parts.
/// </summary>
internal sealed partial class PartitionWorker<TGrain> where TGrain : IGrain
{
    private readonly int _index;
    private readonly IGrainFactory<TGrain> _factory;
    private readonly GrainRuntimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TurnTracker _tracker;
    private readonly IPartitionOwnership? _ownership;
    private readonly CancellationToken _stopping;
    private readonly Channel<WorkerMessage> _channel;
    private readonly WorkerSynchronizationContext _context;
    private readonly Dictionary<string, GrainSlot<TGrain>> _slots = new(StringComparer.Ordinal);
    private readonly DueSchedule<TGrain> _schedule;
    private readonly ITimer _sweepTimer;
    private readonly TimeSpan _sweepInterval;
    private readonly List<GrainSlot<TGrain>> _scratch = [];
    private Task _loop = Task.CompletedTask;
    private int _activeCount;
    private volatile bool _stopped;

    public PartitionWorker(
        int index, object owner, IGrainFactory<TGrain> factory, GrainRuntimeOptions options, TimeProvider time,
        ILogger logger, TurnTracker tracker, CancellationToken stopping, IPartitionOwnership? ownership = null)
    {
        _ownership = ownership;
        _index = index;
        _factory = factory;
        _options = options;
        _time = time;
        _logger = logger;
        _tracker = tracker;
        _stopping = stopping;
        _channel = Channel.CreateUnbounded<WorkerMessage>(new UnboundedChannelOptions
        {
            SingleReader = true,
            // Writers (callers, timers, other workers) must never find themselves running this loop.
            AllowSynchronousContinuations = false,
        });
        _context = new WorkerSynchronizationContext(
            owner, (callback, state) => Post(new WorkerMessage(WorkerMessageKind.Continuation, Payload: callback, State: state)));
        _schedule = new DueSchedule<TGrain>(time, options.TimerSlack, () => Post(new WorkerMessage(WorkerMessageKind.DueTimer)));
        // Sweeping four times per idle timeout keeps an idle grain in memory at most 1.25 timeouts.
        _sweepInterval = TimeSpan.FromTicks(Math.Max(options.IdleTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond));
        _sweepTimer = time.CreateTimer(
            static state => ((PartitionWorker<TGrain>)state!).Post(new WorkerMessage(WorkerMessageKind.IdleSweep)),
            this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public int ActiveCount => Volatile.Read(ref _activeCount);

    public void Start()
    {
        _sweepTimer.Change(_sweepInterval, _sweepInterval);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>False once the worker has stopped.</summary>
    public bool Post(WorkerMessage message) => _channel.Writer.TryWrite(message);

    /// <summary>
    /// Stops the worker. After a drain nothing is left to do; after a cancelled stop, queued turns fail
    /// and running ones may finish but start nothing more.
    /// </summary>
    public async Task StopAsync()
    {
        _stopped = true;
        _sweepTimer.Dispose();
        _channel.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _schedule.Dispose();
        foreach (var slot in _slots.Values)
        {
            while (slot.Pending.TryDequeue(out var turn))
            {
                FailStopped(turn);
            }
        }
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Grain code runs only inside this window, with the worker's context installed; the thread
            // goes back to the pool without it.
            SynchronizationContext.SetSynchronizationContext(_context);
            try
            {
                while (reader.TryRead(out var message))
                {
                    Handle(message);
                }
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(null);
            }
        }
    }

    private void Handle(WorkerMessage message)
    {
        try
        {
            if (_stopped && message.Kind != WorkerMessageKind.Continuation)
            {
                // Only running turns may still finish; nothing new starts.
                if (message.Kind == WorkerMessageKind.Turn)
                {
                    FailStopped((GrainTurn<TGrain>)message.Payload!);
                }

                return;
            }

            switch (message.Kind)
            {
                case WorkerMessageKind.Turn:
                    Enqueue(SlotFor(message.Key!), (GrainTurn<TGrain>)message.Payload!);
                    break;
                case WorkerMessageKind.Continuation:
                    ((SendOrPostCallback)message.Payload!)(message.State);
                    break;
                case WorkerMessageKind.Resume:
                    var slot = (GrainSlot<TGrain>)message.Payload!;
                    if (!slot.IsRunning)
                    {
                        StartNext(slot);
                    }

                    break;
                case WorkerMessageKind.DueTimer:
                    FireDue();
                    break;
                case WorkerMessageKind.IdleSweep:
                    SweepIdle();
                    break;
                case WorkerMessageKind.Wake:
                    Wake(message.Key!);
                    break;
                case WorkerMessageKind.Release:
                    Release((ReleaseRequest)message.Payload!);
                    break;
            }
        }
        catch (Exception exception)
        {
            // Nothing above should throw; if it does, the worker must survive it or every key it owns dies.
            RuntimeLog.WorkerFault(_logger, exception, _index, _factory.GrainType, message.Kind);
        }
    }

    private void FailStopped(GrainTurn<TGrain> turn)
    {
        turn.Fail(new OperationCanceledException("The grain runtime stopped before this turn ran."));
        _tracker.End();
    }

    private GrainSlot<TGrain> SlotFor(string key)
    {
        if (!_slots.TryGetValue(key, out var slot))
        {
            slot = new GrainSlot<TGrain>(key);
            _slots.Add(key, slot);
        }

        return slot;
    }

    private void Forget(GrainSlot<TGrain> slot)
    {
        // Only if the dictionary still holds this very slot: a newer one for the key must stay.
        if (_slots.TryGetValue(slot.Key, out var current) && ReferenceEquals(current, slot))
        {
            _slots.Remove(slot.Key);
        }
    }
}
