using Microsoft.Extensions.Logging;

namespace Presence.Cluster.Membership;

internal static partial class MembershipLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Joined cluster {ClusterId} as {SiloId} (incarnation {Incarnation}, {Role}) at version {Version}.")]
    public static partial void Joined(ILogger logger, string clusterId, string siloId, long incarnation, MemberRole role, long version);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Membership version {Version}: {Silos} active silos, {Gained} partitions gained, {Lost} lost.")]
    public static partial void ViewChanged(ILogger logger, long version, int silos, int gained, int lost);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Declared {Count} member(s) dead (lease expired by the database's clock) at version {Version}.")]
    public static partial void DeclaredDead(ILogger logger, int count, long version);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Lease not renewed in time: this silo stops serving until it renews (self-fencing).")]
    public static partial void Fenced(ILogger logger);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Lease renewed again: serving.")]
    public static partial void Unfenced(ILogger logger);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Error, Message = "This incarnation was declared dead; joining again as a new one.")]
    public static partial void DeclaredDeadSelf(ILogger logger);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Membership table call failed; retrying.")]
    public static partial void TableFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "LISTEN connection failed; polling until it is back.")]
    public static partial void ListenFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "Released {Partitions} partitions and flushed their writes for version {Version} in {Milliseconds} ms.")]
    public static partial void Released(ILogger logger, int partitions, long version, long milliseconds);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Partition {Partition}: previous owner {SiloId} did not hand over within the timeout; serving from the store (stale writes are refused by version).")]
    public static partial void HandoverTimedOut(ILogger logger, int partition, string siloId);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Left cluster {ClusterId} (version {Version}).")]
    public static partial void Left(ILogger logger, string clusterId, long version);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "Removed {Count} dead or left member rows.")]
    public static partial void CleanedUp(ILogger logger, int count);
}
