using System.Diagnostics;
using Presence.Sip.Message;

namespace Presence.Server.Telemetry;

/// <summary>
/// W3C Trace Context (https://www.w3.org/TR/trace-context/) in SIP: an edge that forwards a request adds a
/// <c>traceparent</c> header field (and <c>tracestate</c> when there is one) naming its span, and the silo that
/// handles the request makes its span a child of it, so one trace follows a request across the hop. SIP lets a
/// proxy add header fields it does not understand (RFC 3261 §16.6), and every endpoint ignores unknown ones (§7.3),
/// so clients and other proxies see no difference. Read and written only while something listens to the spans.
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

    /// <summary>True for the header fields this class writes (any letter case, RFC 3261 §7.3.1).</summary>
    public static bool IsTraceField(string name) =>
        name.Equals(TraceParent, StringComparison.OrdinalIgnoreCase) || name.Equals(TraceState, StringComparison.OrdinalIgnoreCase);
}
