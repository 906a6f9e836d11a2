using Microsoft.Extensions.Logging;

namespace Presence.Server.Http;

/// <summary>HTTP API log events; ids 4000-4099.</summary>
internal static partial class HttpLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Warning, Message = "No Http:Token configured; the API token is in {Path}")]
    public static partial void GeneratedToken(ILogger logger, string path);
}
