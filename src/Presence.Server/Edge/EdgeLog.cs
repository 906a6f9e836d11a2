using Microsoft.Extensions.Logging;

namespace Presence.Server.Edge;

/// <summary>The edge's log events; ids 5000-5099. Per-message events are Debug: a flood must not flood the log.</summary>
internal static partial class EdgeLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Cluster role {Role}: SIP proxy {Mode}")]
    public static partial void Started(ILogger logger, ClusterRole role, string mode);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "This edge has no silo (Edge:Silos is empty): every request gets 503")]
    public static partial void NoSilos(ILogger logger);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Forwarded {Method} from {Source} to {Destination}")]
    public static partial void Forwarded(ILogger logger, string method, string source, string destination);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Refused {Method} from {Source}: {Status} {Reason}")]
    public static partial void Refused(ILogger logger, string method, string source, int status, string reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Debug, Message = "Dropped a {What} from {Source}: {Why}")]
    public static partial void Dropped(ILogger logger, string what, string source, string why);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Edge silos: {Silos}")]
    public static partial void Silos(ILogger logger, string silos);
}
