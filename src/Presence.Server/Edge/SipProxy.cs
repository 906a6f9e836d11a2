using System.Globalization;
using Microsoft.Extensions.Logging;
using Presence.Server.Cluster;
using Presence.Server.Sip;
using Presence.Server.Sip.Handlers;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Presence.Sip.Transactions;
using Presence.Sip.Transport;

namespace Presence.Server.Edge;

/// <summary>
/// A stateless SIP proxy (RFC 3261 §16.11) between clients and the silos: it forwards each request to the silo
/// that owns its user, Record-Routes dialog-creating ones with the client's flow in a signed token (RFC 5626
/// §5.2, RFC 5658 double Record-Route when the transport changes), sends requests whose Route carries such a
/// token back on that flow, and returns responses along their Via. It keeps nothing between messages, so any
/// number of edges can stand side by side and one can restart without losing a dialog.
/// </summary>
public sealed partial class SipProxy
{
    /// <summary>The Via parameter that carries the flow a request came on, when it came on a connection.</summary>
    public const string FlowParameter = "flow";

    private readonly ProxyIdentity _us;
    private readonly ISiloLocator _locator;
    private readonly SignedFlowToken _tokens;
    private readonly bool _servesLocally;
    private readonly RecordRouteMode _recordRoute;
    private readonly ILogger _logger;
    private SipTransactionLayer? _layer;

    /// <param name="servesLocally">This process hosts users (role both): a request the locator calls Local goes on
    /// to the local transaction layer. An edge has no users, so Local is as good as Unavailable there.</param>
    /// <param name="recordRoute">Record-Route always, or only a request that has no Record-Route yet.</param>
    public SipProxy(
        ProxyIdentity us, ISiloLocator locator, SignedFlowToken tokens, bool servesLocally, RecordRouteMode recordRoute, ILogger<SipProxy> logger)
    {
        _us = us;
        _locator = locator;
        _tokens = tokens;
        _servesLocally = servesLocally;
        _recordRoute = recordRoute;
        _logger = logger;
    }

    public SipProxyCounters Counters { get; } = new();

    /// <summary>False in a single process with no cluster: there is nowhere to forward, and the endpoint behaves
    /// exactly as it did before there was a proxy.</summary>
    public bool IsActive => !_servesLocally || _locator is not SingleProcessLocator;

    /// <summary>The transaction layer the proxy sends through (made when the endpoint starts).</summary>
    public void Attach(SipTransactionLayer layer) => _layer = layer;

    /// <summary>
    /// The transaction layer's request hook: true when the proxy took the request (forwarded or answered it),
    /// false when the local core serves it (an OPTIONS to this host, or a user the locator says is Local).
    /// </summary>
    public async ValueTask<bool> InterceptRequestAsync(InboundMessage inbound, SipMessage request)
    {
        // A keep-alive or capability probe addressed to this host, not to a user: the local core answers it.
        if (IsOptionsForUs(request))
            return false;
        if (request.TopVia is not { } via)
        {
            // Nothing to answer to and nothing to hash a branch from; the layer would drop it as well.
            Drop("request", inbound.Source, "no usable Via");
            return true;
        }
        if (!request.TryGetAddresses(HeaderId.Route, out var routes, out string error))
        {
            await RefuseAsync(inbound, request, via, 400, "Malformed Route: " + error).ConfigureAwait(false);
            return true;
        }
        // RFC 3261 §16.4: the Route entries that name us are ours to remove (two when we double-Record-Routed).
        int popped = 0;
        SipDestination? flow = null;
        for (; popped < routes.Count && _us.IsUs(routes[popped].Uri); popped++)
        {
            if (flow is not null || string.IsNullOrEmpty(routes[popped].Uri.User))
                continue;
            if (!_tokens.TryVerify(routes[popped].Uri.User, out var verified))
            {
                // RFC 5626 §5.3: a token that fails its check is 403; never send anywhere a forged token names.
                Interlocked.Increment(ref Counters._badFlowTokens);
                await RefuseAsync(inbound, request, via, 403, "Invalid Flow Token").ConfigureAwait(false);
                return true;
            }
            flow = verified;
        }

        var source = SignedFlowToken.Normalize(inbound.Source);
        // RFC 5626 §5.3: a request that did not come on the token's flow is going to the client at its end (a
        // NOTIFY from a silo); one that came on it is the client's own (a re-SUBSCRIBE) and goes on to the cluster.
        if (flow is { } client && !SameFlow(client, source))
            return await ForwardAsync(inbound, request, via, popped, client, Hop.ToClient).ConfigureAwait(false);
        if (popped < routes.Count)
        {
            // Loose routing (RFC 3261 §16.6 step 6-7): the next Route is someone else's, and the request goes there.
            if (UriDestination.TryFrom(routes[popped].Uri, out var next))
                return await ForwardAsync(inbound, request, via, popped, next, Hop.Onward).ConfigureAwait(false);
            // This proxy resolves no names; §16.9 makes a next hop it cannot reach a 503.
            await RefuseAsync(inbound, request, via, 503, "Route Not Resolvable").ConfigureAwait(false);
            return true;
        }
        return await ToClusterAsync(inbound, request, via, popped).ConfigureAwait(false);
    }

    private async ValueTask<bool> ToClusterAsync(InboundMessage inbound, SipMessage request, ViaHeader via, int popped)
    {
        SiloRoute route = _locator.Locate(RoutingKey(request));
        switch (route.Kind)
        {
            case SiloRouteKind.Local when _servesLocally:
                return false;
            case SiloRouteKind.Remote:
                return await ForwardAsync(inbound, request, via, popped, route.Destination, Hop.ToCluster).ConfigureAwait(false);
            default:
                // RFC 3261 §21.5.4: nobody can take the user now; Retry-After says when to try again.
                Interlocked.Increment(ref Counters._unavailable);
                await RefuseAsync(inbound, request, via, 503, "No Silo Available", Math.Max(1, route.RetryAfterSeconds)).ConfigureAwait(false);
                return true;
        }
    }

    /// <summary>
    /// Which user a request is about (ARCHITECTURE.md "Edge"): the To URI for REGISTER, PUBLISH and SUBSCRIBE, in a
    /// dialog too (the Request-URI then names the silo that answered first, which may be gone: the To user leads to
    /// its owner now), and the Request-URI for INVITE, MESSAGE and the rest. A request with no user there goes to
    /// the silo its Request-URI hashes to, whose core gives it the RFC answer (400, 416, 405, ...).
    /// </summary>
    internal static string RoutingKey(SipMessage request)
    {
        bool byTo = request.Method is SipMethods.Register or SipMethods.Publish or SipMethods.Subscribe;
        bool found = byTo ? AorResolver.TryFromTo(request, out string aor, out _) : AorResolver.TryFromRequestUri(request, out aor, out _);
        return found ? aor : request.RequestUri;
    }

    private bool IsOptionsForUs(SipMessage request) =>
        request.Method == SipMethods.Options && SipUri.TryParse(request.RequestUri, out var uri, out _)
        && string.IsNullOrEmpty(uri!.User) && _us.IsUs(uri);

    // The same flow: a connection is its id and its peer (ids restart with the process); a UDP flow is its peer.
    private static bool SameFlow(SipDestination a, SipDestination b) =>
        a.Transport == b.Transport && a.EndPoint.Equals(b.EndPoint) && (!a.IsReliable || a.FlowId == b.FlowId);

    /// <summary>
    /// Answers a request statelessly (RFC 3261 §16.11 lets a stateless proxy act as a UAS for it), to where the
    /// request came from; an ACK is never answered (§17.1.1.3).
    /// </summary>
    private async ValueTask RefuseAsync(InboundMessage inbound, SipMessage request, ViaHeader via, int status, string? reason = null, int retryAfter = 0)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
            EdgeLog.Refused(_logger, request.Method, inbound.Source.ToString(), status, reason ?? SipStatus.ReasonPhrase(status));
        if (request.Method == SipMethods.Ack || _layer is null)
            return;
        var response = SipMessageBuilder.ResponseTo(request, status, reason, ResponseRouting.NewTag(), ResponseRouting.ResponseVia(inbound.Source, via));
        if (retryAfter > 0)
            response.Add(HeaderId.RetryAfter, retryAfter.ToString(CultureInfo.InvariantCulture));
        response.Add(HeaderId.Server, SipRequestDispatcher.ServerName);
        await _layer.SendStatelessAsync(ResponseRouting.Destination(inbound.Source, via), response.ToArray()).ConfigureAwait(false);
    }

    private void Drop(string what, SipDestination source, string why)
    {
        Interlocked.Increment(ref Counters._dropped);
        if (_logger.IsEnabled(LogLevel.Debug))
            EdgeLog.Dropped(_logger, what, source.ToString(), why);
    }

    /// <summary>Where a forwarded request is going, which decides Record-Route and what a failed send means.</summary>
    private enum Hop
    {
        ToCluster,
        ToClient,
        Onward,
    }
}
