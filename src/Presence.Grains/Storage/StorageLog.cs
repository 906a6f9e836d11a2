using Microsoft.Extensions.Logging;

namespace Presence.Grains.Storage;

/// <summary>The grain store's log events; ids 2000-2029.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Grain store {DataSource} open at schema version {Version}")]
    public static partial void Opened(ILogger logger, string dataSource, int version);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Grain store schema migrated from version {From} to {To}")]
    public static partial void Migrated(ILogger logger, int from, int to);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Write to {GrainType}/{GrainKey} conflicted: expected version {Expected}, the store holds {Actual}")]
    public static partial void Conflict(ILogger logger, string grainType, string grainKey, long expected, long actual);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Trace, Message = "Committed a batch of {Count} writes in {ElapsedMs} ms")]
    public static partial void BatchCommitted(ILogger logger, int count, double elapsedMs);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Group commit of {Count} writes failed; every write of the batch is reported failed")]
    public static partial void GroupCommitFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Write batch of {Count} writes failed and was rolled back")]
    public static partial void BatchRolledBack(ILogger logger, Exception exception, int count);
}
