using System.Net;
using Microsoft.Extensions.Logging;

namespace Presence.Server.Sip;

/// <summary>The SIP endpoint's log events; ids 1000-1099.</summary>
internal static partial class SipLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "SIP listening on {Transport} {EndPoint}")]
    public static partial void Listening(ILogger logger, string transport, IPEndPoint endPoint);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "SIP endpoint stopping: draining requests in progress (up to {Timeout})")]
    public static partial void Draining(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "SIP endpoint stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Rejected message from {Source}: {Status} {Reason}")]
    public static partial void Rejected(ILogger logger, string source, int status, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Transport error")]
    public static partial void TransportError(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Handling {Method} from {Source} failed; answered 500")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string method, string source);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "TLS is configured but the certificate could not be loaded from {Path}")]
    public static partial void CertificateFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Debug, Message = "{Method} {Uri} from {Source}")]
    public static partial void Request(ILogger logger, string method, string uri, string source);

    // Once per episode (until the source's bucket is full again), never once per message: a flood must not flood the log.
    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning,
        Message = "SIP source {Source} is over its rate of {Rate} requests/s: its requests get 503 and, past twice the rate, are dropped")]
    public static partial void SourceLimited(ILogger logger, IPAddress source, double rate);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "SIP rate limiting per source is off (Sip:RateLimit)")]
    public static partial void RateLimitOff(ILogger logger);
}
