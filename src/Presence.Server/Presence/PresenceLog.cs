using Microsoft.Extensions.Logging;

namespace Presence.Server.Presence;

/// <summary>Presence log events; ids 3000-3099.</summary>
internal static partial class PresenceLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Error, Message = "Storing the state of {Aor} failed; the request fails and the user is re-read")]
    public static partial void WriteFailed(ILogger logger, Exception exception, string aor);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Write conflict on {Aor} at version {Version}: another writer got there first; the user is re-read")]
    public static partial void WriteConflict(ILogger logger, string aor, long version);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "No route for a NOTIFY of {Aor} to {Target}")]
    public static partial void NotifyUnroutable(ILogger logger, string aor, string target);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "NOTIFY of {Aor} to {Watcher} failed with {Status}")]
    public static partial void NotifyFailed(ILogger logger, string aor, string watcher, int status);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "A NOTIFY of {Aor} to {Watcher} could not be sent")]
    public static partial void NotifySendFailed(ILogger logger, Exception exception, string aor, string watcher);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Presence store at {Path}")]
    public static partial void StoreOpened(ILogger logger, string path);
}
