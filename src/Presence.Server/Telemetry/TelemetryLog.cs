using Microsoft.Extensions.Logging;

namespace Presence.Server.Telemetry;

/// <summary>Telemetry's log events; ids 7000-7099.</summary>
internal static partial class TelemetryLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Warning, Message = "GET /metrics needs no token on this edge: set Http:Token to require one")]
    public static partial void MetricsWithoutToken(ILogger logger);
}
