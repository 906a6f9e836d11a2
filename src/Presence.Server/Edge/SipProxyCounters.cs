namespace Presence.Server.Edge;

/// <summary>What the stateless proxy did, counted for telemetry.</summary>
public sealed class SipProxyCounters
{
    internal long _requestsForwarded, _responsesForwarded, _tooManyHops, _unavailable, _badFlowTokens, _flowsFailed, _dropped;

    /// <summary>Requests sent on to a silo, a client's flow, or the next Route.</summary>
    public long RequestsForwarded => Interlocked.Read(ref _requestsForwarded);

    /// <summary>Responses sent back toward the request's sender (our Via removed).</summary>
    public long ResponsesForwarded => Interlocked.Read(ref _responsesForwarded);

    /// <summary>Requests answered 483 because Max-Forwards was 0 (RFC 3261 §16.3 step 3).</summary>
    public long TooManyHops => Interlocked.Read(ref _tooManyHops);

    /// <summary>Requests answered 503 because no silo could take their user.</summary>
    public long Unavailable => Interlocked.Read(ref _unavailable);

    /// <summary>Flow tokens that failed verification (forged, cut, or signed with another key); the request got 403.</summary>
    public long BadFlowTokens => Interlocked.Read(ref _badFlowTokens);

    /// <summary>Requests for a client whose flow is gone; answered 430 (RFC 5626 §5.3).</summary>
    public long FlowsFailed => Interlocked.Read(ref _flowsFailed);

    /// <summary>Messages dropped: responses whose top Via is not ours, and what cannot be addressed or sent.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);
}
