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
}
