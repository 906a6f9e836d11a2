using Microsoft.Extensions.Logging;

namespace Presence.Cluster.Runtime;

/// <summary>The grain runtime's log events; ids 2030-2069.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 2030, Level = LogLevel.Information, Message = "Grain runtime for {GrainType} started: {Partitions} partitions on {Workers} workers")]
    public static partial void Started(ILogger logger, string grainType, int partitions, int workers);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Information, Message = "Grain runtime for {GrainType} stopping: draining {Outstanding} queued or running turns")]
    public static partial void Stopping(ILogger logger, string grainType, long outstanding);

    [LoggerMessage(EventId = 2032, Level = LogLevel.Information, Message = "Grain runtime for {GrainType} stopped")]
    public static partial void Stopped(ILogger logger, string grainType);

    [LoggerMessage(EventId = 2033, Level = LogLevel.Warning, Message = "Stopping the grain runtime for {GrainType} was cancelled with {Outstanding} turns outstanding; queued turns fail")]
    public static partial void StopCancelled(ILogger logger, string grainType, long outstanding);

    [LoggerMessage(EventId = 2034, Level = LogLevel.Warning, Message = "A turn of {GrainType}/{Key} failed; the grain is deactivated and re-reads its state on its next turn")]
    public static partial void TurnFailed(ILogger logger, Exception exception, string grainType, string key);

    [LoggerMessage(EventId = 2035, Level = LogLevel.Warning, Message = "Activating {GrainType}/{Key} failed; its next turn tries again")]
    public static partial void ActivationFailed(ILogger logger, Exception exception, string grainType, string key);

    [LoggerMessage(EventId = 2036, Level = LogLevel.Error, Message = "Expiry work of {GrainType}/{Key} failed; the reminder poller retries it")]
    public static partial void DueFailed(ILogger logger, Exception exception, string grainType, string key);

    [LoggerMessage(EventId = 2037, Level = LogLevel.Debug, Message = "Deactivated idle grain {GrainType}/{Key}")]
    public static partial void Deactivated(ILogger logger, string grainType, string key);

    [LoggerMessage(EventId = 2038, Level = LogLevel.Error, Message = "Polling the store for due {GrainType} grains failed")]
    public static partial void PollFailed(ILogger logger, Exception exception, string grainType);

    [LoggerMessage(EventId = 2039, Level = LogLevel.Warning, Message = "A poll for due {GrainType} grains filled its page of {Count}; raise ReminderBatchSize if this persists")]
    public static partial void PollPageFull(ILogger logger, string grainType, int count);

    [LoggerMessage(EventId = 2040, Level = LogLevel.Error, Message = "Worker {Worker} of the {GrainType} runtime failed handling a {Message} message")]
    public static partial void WorkerFault(ILogger logger, Exception exception, int worker, string grainType, WorkerMessageKind message);

    [LoggerMessage(EventId = 2041, Level = LogLevel.Warning, Message = "A posted turn for {GrainType}/{Key} was dropped: the runtime is stopping")]
    public static partial void PostDropped(ILogger logger, string grainType, string key);
}
