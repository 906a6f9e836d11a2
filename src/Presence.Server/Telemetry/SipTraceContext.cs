using System.Diagnostics;
using Presence.Sip.Message;

namespace Presence.Server.Telemetry;

/// <summary>
/// W3C Trace Context (https://www.w3.org/TR/trace-context/) in SIP: a request that carries a <c>traceparent</c>
/// header field (and <c>tracestate</c>), added by a client or by a proxy in front such as Kamailio, makes the server
/// span a child of the span it names, so one trace follows the request across the hop. SIP lets a proxy add header
/// fields it does not understand (RFC 3261 §16.6), and every endpoint ignores unknown ones (§7.3). Read only while
/// something listens to the spans.
/// </summary>
public static class SipTraceContext
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>The remote parent a request names, if it carries a well-formed <c>traceparent</c>.</summary>
    public static bool TryExtract(SipMessage request, out ActivityContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? parent = request.GetFirst(TraceParent);
        if (parent is null)
        {
            context = default;
            return false;
        }
        return ActivityContext.TryParse(parent.Trim(), request.GetFirst(TraceState)?.Trim(), isRemote: true, out context);
    }
}
