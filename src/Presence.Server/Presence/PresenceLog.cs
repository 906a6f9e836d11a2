using Microsoft.Extensions.Logging;

namespace Presence.Server.Presence;

/// <summary>Presence log events; ids 3000-3099.</summary>
internal static partial class PresenceLog
{
    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "No route for a NOTIFY of {Aor} to {Target}")]
    public static partial void NotifyUnroutable(ILogger logger, string aor, string target);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "NOTIFY of {Aor} to {Watcher} failed with {Status}")]
    public static partial void NotifyFailed(ILogger logger, string aor, string watcher, int status);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Presence store at {Path}")]
    public static partial void StoreOpened(ILogger logger, string path);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "A NOTIFY of {Aor} to {Watcher} could not be sent")]
    public static partial void NotifySendFailed(ILogger logger, Exception exception, string aor, string watcher);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "The outcome of a NOTIFY of {Aor} could not be told to its grain")]
    public static partial void NotifyResultLost(ILogger logger, Exception exception, string aor);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "The edge {Edge} did not take {Count} NOTIFYs of {Aor}; sending them through {Instead}")]
    public static partial void EdgeUnreachable(ILogger logger, Exception exception, string edge, int count, string aor, string instead);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "No SIP node can send {Count} NOTIFYs of {Aor} (their edge {Edge} is gone)")]
    public static partial void NoSipNode(ILogger logger, int count, string aor, string edge);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "A call to the grain of {Aor} failed while the cluster changes; trying again")]
    public static partial void GrainCallRetried(ILogger logger, Exception exception, string aor);
}
