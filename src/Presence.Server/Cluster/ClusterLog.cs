using Microsoft.Extensions.Logging;

namespace Presence.Server.Cluster;

/// <summary>The cluster hosting's log events; ids 4100-4199 (membership has 4000-4099).</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning, Message = "Leaving the cluster took longer than {Timeout}; stopping anyway (the lease will run out)")]
    public static partial void LeaveTimedOut(ILogger logger, TimeSpan timeout);
}
