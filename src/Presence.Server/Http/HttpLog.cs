using Microsoft.Extensions.Logging;

namespace Presence.Server.Http;

/// <summary>HTTP API log events; ids 6000-6099 (4000-4199 are the cluster's).</summary>
internal static partial class HttpLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Warning, Message = "No Http:Token configured; the API token is in {Path}")]
    public static partial void GeneratedToken(ILogger logger, string path);
}
