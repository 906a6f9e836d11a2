using System.Diagnostics;
using Presence.Sip.Message;

namespace Presence.Server.Telemetry;

/// <summary>
/// The spans: each starter returns null at the cost of one check when nothing listens
/// (<see cref="ActivitySource.HasListeners"/>), so the hot path pays nothing for tracing it does not do.
/// </summary>
public static class PresenceActivities
{
    private static ActivitySource Source => PresenceTelemetry.ActivitySource;

    /// <summary>A SIP server transaction the UAS core handles; a child of the span a `traceparent` header field names (a client's or Kamailio's).</summary>
    public static Activity? StartServer(SipMessage request)
    {
        if (!Source.HasListeners())
            return null;
        SipTraceContext.TryExtract(request, out ActivityContext parent);
        var activity = Source.StartActivity(SpanName(request.Method), ActivityKind.Server, parent);
        activity?.SetTag(PresenceTelemetry.Attributes.SipMethod, PresenceTelemetry.MethodTag(request.Method));
        return activity;
    }

    /// <summary>Ends a server or client span with the final status; 5xx and 6xx (and no answer) mark it failed.</summary>
    public static void Stop(Activity activity, int statusCode)
    {
        activity.SetTag(PresenceTelemetry.Attributes.StatusCode, statusCode);
        if (statusCode is 0 or >= 500)
            activity.SetStatus(ActivityStatusCode.Error);
        activity.Dispose();
    }

    /// <summary>
    /// A NOTIFY in its client transaction, from sending to its final response. Not left current: it ends when the
    /// response comes, elsewhere, and the turn's other NOTIFYs are its siblings, not its children.
    /// </summary>
    public static Activity? StartNotify(ActivityContext parent, string package)
    {
        if (!Source.HasListeners())
            return null;
        var current = Activity.Current;
        var activity = Source.StartActivity("SIP NOTIFY", ActivityKind.Client, parent);
        Activity.Current = current;
        activity?.SetTag(PresenceTelemetry.Attributes.SipMethod, SipMethods.Notify);
        activity?.SetTag(PresenceTelemetry.Attributes.EventPackage, package);
        return activity;
    }

    // Low-cardinality names (OpenTelemetry: a span name names a class of spans): "SIP REGISTER", "SIP _OTHER".
    private static string SpanName(string method) => PresenceTelemetry.MethodTag(method) switch
    {
        SipMethods.Register => "SIP REGISTER",
        SipMethods.Publish => "SIP PUBLISH",
        SipMethods.Subscribe => "SIP SUBSCRIBE",
        SipMethods.Notify => "SIP NOTIFY",
        SipMethods.Options => "SIP OPTIONS",
        SipMethods.Invite => "SIP INVITE",
        SipMethods.Message => "SIP MESSAGE",
        var other => "SIP " + other,
    };
}
