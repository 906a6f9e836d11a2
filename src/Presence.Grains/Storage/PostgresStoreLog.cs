using Microsoft.Extensions.Logging;

namespace Presence.Grains.Storage;

/// <summary>
/// The PostgreSQL grain store's own log events; ids 2100-2149. What every store logs alike (opened,
/// migrated, a conflict, a batch committed) goes through <see cref="StorageLog"/>, so that one event id
/// means one thing whichever store a silo runs on.
/// </summary>
internal static partial class PostgresStoreLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Another silo holds the grain store's migration lock; waiting for it to finish")]
    public static partial void MigrationLockBusy(ILogger logger);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "Write batch of {Count} writes failed with SQLSTATE {SqlState}; PostgreSQL rolled all of it back")]
    public static partial void BatchRolledBack(ILogger logger, Exception exception, int count, string sqlState);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Write batch of {Count} writes failed before PostgreSQL answered; it may or may not have committed, so none of it is taken as committed")]
    public static partial void BatchOutcomeUnknown(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Write batch of {Count} writes was rolled back with SQLSTATE {SqlState} on attempt {Attempt}; running it again")]
    public static partial void BatchRetried(ILogger logger, int count, string sqlState, int attempt);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "The batch committed, but the versions of the {Count} grains whose writes lost a race could not be read; their conflicts report the version their statement saw")]
    public static partial void RaceVersionsUnread(ILogger logger, Exception exception, int count);
}
