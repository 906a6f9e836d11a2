using System.Globalization;
using Microsoft.Extensions.Logging;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Presence.Sip.Transactions;
using Presence.Sip.Transport;

namespace Presence.Server.Edge;

public sealed partial class SipProxy
{
    /// <summary>RFC 3261 §16.6 step 3: the Max-Forwards a request gets when it has none.</summary>
    private const int DefaultMaxForwards = 70;

    private async ValueTask<bool> ForwardAsync(
        InboundMessage inbound, SipMessage request, ViaHeader via, int popped, SipDestination destination, Hop hop)
    {
        // RFC 3261 §16.3 step 3: checked only on what is forwarded; a request the local core serves is not a hop.
        if (request.MaxForwards == 0)
        {
            Interlocked.Increment(ref Counters._tooManyHops);
            await RefuseAsync(inbound, request, via, 483).ConfigureAwait(false);
            return true;
        }
        var source = SignedFlowToken.Normalize(inbound.Source);
        // A response to what came on a connection must go back on that connection, and a stateless proxy keeps no
        // table of them: the flow rides in our own Via and comes back with the response.
        string? flowToken = source.IsReliable ? _tokens.Sign(source) : null;
        string ourVia = _us.Via(destination.Transport, ProxyBranch.For(request, via), flowToken);
        List<string>? recordRoutes = hop == Hop.ToCluster && CreatesDialog(request)
            && (_recordRoute == RecordRouteMode.Always || !request.Has(HeaderId.RecordRoute))
            ? RecordRoutes(source, destination)
            : null;
        // While a tracer listens: a span for the forward, named to the silo in a traceparent field (W3C Trace Context).
        using var span = Telemetry.PresenceActivities.StartForward(request);
        string? traceParent = hop == Hop.ToCluster ? span?.Id : null;
        byte[] bytes = Rewrite(request, inbound.Source, via, ourVia, popped, recordRoutes, traceParent, span?.TraceStateString).ToArray();
        if (_layer is not null && await _layer.SendStatelessAsync(destination, bytes).ConfigureAwait(false))
        {
            Interlocked.Increment(ref Counters._requestsForwarded);
            if (_logger.IsEnabled(LogLevel.Debug))
                EdgeLog.Forwarded(_logger, request.Method, inbound.Source.ToString(), destination.ToString());
            return true;
        }
        if (hop == Hop.ToClient)
        {
            // RFC 5626 §5.3: the client's connection is gone; 430 tells the sender to stop using this flow.
            Interlocked.Increment(ref Counters._flowsFailed);
            await RefuseAsync(inbound, request, via, 430).ConfigureAwait(false);
            return true;
        }
        // RFC 3261 §16.9: a transport error on forwarding counts as a 503 from the next hop.
        Drop("request", inbound.Source, "could not send to " + destination);
        await RefuseAsync(inbound, request, via, 503, "Next Hop Unreachable", 1).ConfigureAwait(false);
        return true;
    }

    // RFC 3261 §12.1: SUBSCRIBE and INVITE without a To tag create dialogs, whose later requests follow the
    // Record-Route (RFC 6665 §4.1.2 for the NOTIFYs).
    private static bool CreatesDialog(SipMessage request) =>
        request.Method is SipMethods.Subscribe or SipMethods.Invite && request.GetTo()?.Tag is null;

    /// <summary>
    /// Our Record-Route: the side the silo reaches first (the silo's route set is the list as is), and, when the
    /// client came on another transport, the side the client reaches (its route set is the list reversed), as
    /// RFC 5658 §3.2 double Record-Routing does. Both carry the client's flow.
    /// </summary>
    private List<string> RecordRoutes(SipDestination client, SipDestination silo)
    {
        string token = _tokens.Sign(client);
        var entries = new List<string>(2) { _us.RecordRoute(silo.Transport, token) };
        if (client.Transport != silo.Transport)
            entries.Add(_us.RecordRoute(client.Transport, token));
        return entries;
    }

    /// <summary>
    /// The request as it leaves (RFC 3261 §16.6): our Via on top of the sender's (with received and rport filled
    /// in, §18.2.1 and RFC 3581 §4, so its response finds its way back), our Route entries removed, Max-Forwards
    /// one less, our Record-Route above the others; every other field, and the body, exactly as they came.
    /// </summary>
    private static SipMessageBuilder Rewrite(
        SipMessage request, SipDestination source, ViaHeader via, string ourVia, int popped, List<string>? recordRoutes,
        string? traceParent = null, string? traceState = null)
    {
        var forwarded = SipMessageBuilder.Request(request.Method, request.RequestUri);
        bool viaDone = false, routeDone = false, maxForwardsDone = false, recordRouteDone = recordRoutes is null;
        for (int i = 0; i < request.HeaderCount; i++)
        {
            switch (request.GetId(i))
            {
                case HeaderId.Via when !viaDone:
                    viaDone = true;
                    forwarded.Add(HeaderId.Via, ourVia).Add(HeaderId.Via, ResponseRouting.ResponseVia(source, via).ToString());
                    List<string> values = HeaderValueList.Split(request.GetValue(i));
                    for (int v = 1; v < values.Count; v++)
                        forwarded.Add(HeaderId.Via, values[v]);
                    break;
                case HeaderId.Route:
                    // All Route fields are written once, where the first was, without the entries we removed.
                    if (!routeDone)
                    {
                        routeDone = true;
                        foreach (string route in request.GetValues(HeaderId.Route).Skip(popped))
                            forwarded.Add(HeaderId.Route, route);
                    }
                    break;
                case HeaderId.RecordRoute when !recordRouteDone:
                    recordRouteDone = true;
                    foreach (string entry in recordRoutes!)
                        forwarded.Add(HeaderId.RecordRoute, entry);
                    forwarded.AddCopy(request, i);
                    break;
                case HeaderId.MaxForwards:
                    if (!maxForwardsDone)
                    {
                        maxForwardsDone = true;
                        int left = request.MaxForwards > 0 ? request.MaxForwards - 1 : DefaultMaxForwards;
                        forwarded.Add(HeaderId.MaxForwards, left.ToString(CultureInfo.InvariantCulture));
                    }
                    break;
                case HeaderId.Unknown when traceParent is not null && Telemetry.SipTraceContext.IsTraceField(request.GetName(i)):
                    // Replaced by ours below: the silo's span is a child of this hop, which is a child of the sender's.
                    break;
                default:
                    forwarded.AddCopy(request, i);
                    break;
            }
        }
        if (traceParent is not null)
        {
            forwarded.Add(Telemetry.SipTraceContext.TraceParent, traceParent);
            if (!string.IsNullOrEmpty(traceState))
                forwarded.Add(Telemetry.SipTraceContext.TraceState, traceState);
        }
        if (!maxForwardsDone)
            forwarded.Add(HeaderId.MaxForwards, DefaultMaxForwards.ToString(CultureInfo.InvariantCulture));
        if (!recordRouteDone)
        {
            foreach (string entry in recordRoutes!)
                forwarded.Add(HeaderId.RecordRoute, entry);
        }
        return forwarded.WithBody(request.Body);
    }
}
