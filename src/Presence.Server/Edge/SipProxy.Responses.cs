using Microsoft.Extensions.Logging;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Presence.Sip.Transport;

namespace Presence.Server.Edge;

public sealed partial class SipProxy
{
    /// <summary>
    /// The transaction layer's stray hook: responses that match no client transaction of ours are answers to what
    /// we forwarded. RFC 3261 §16.11 (with §16.7 step 3): a stateless proxy removes its own top Via and sends the
    /// response to the next one; one whose top Via is not ours was never ours to forward.
    /// </summary>
    public async ValueTask ForwardResponseAsync(InboundMessage inbound)
    {
        // ACKs to 2xx responses of the local core also arrive here; they end where they are.
        if (inbound.Message is not { IsResponse: true } response)
            return;
        if (response.TopVia is not { } top || !_us.IsOurVia(top))
        {
            Drop("response", inbound.Source, "top Via is not ours");
            return;
        }
        var forwarded = SipMessageBuilder.Response(response.StatusCode, response.ReasonPhrase);
        bool topRemoved = false;
        for (int i = 0; i < response.HeaderCount; i++)
        {
            if (topRemoved || response.GetId(i) != HeaderId.Via)
            {
                forwarded.AddCopy(response, i);
                continue;
            }
            topRemoved = true;
            List<string> values = HeaderValueList.Split(response.GetValue(i));
            for (int v = 1; v < values.Count; v++)
                forwarded.Add(HeaderId.Via, values[v]);
        }
        string? next = response.GetValues(HeaderId.Via).Skip(1).FirstOrDefault();
        if (!TryResponseDestination(top, next, out var destination, out string why))
        {
            Drop("response", inbound.Source, why);
            return;
        }
        if (_layer is not null && await _layer.SendStatelessAsync(destination, forwarded.WithBody(response.Body).ToArray()).ConfigureAwait(false))
        {
            Interlocked.Increment(ref Counters._responsesForwarded);
            if (_logger.IsEnabled(LogLevel.Debug))
                EdgeLog.Forwarded(_logger, response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), inbound.Source.ToString(), destination.ToString());
            return;
        }
        Drop("response", inbound.Source, "could not send to " + destination);
    }

    /// <summary>
    /// The flow our Via names when the request came on a connection; otherwise the next Via's received address and
    /// rport (RFC 3581 §4), else its sent-by (RFC 3261 §18.2.2). This proxy resolves no names: a sent-by that is a
    /// name with no received beside it cannot be answered.
    /// </summary>
    private bool TryResponseDestination(ViaHeader ours, string? nextText, out SipDestination destination, out string why)
    {
        destination = default;
        if (nextText is null || !ViaHeader.TryParse(nextText, out var next, out _))
        {
            why = "no usable Via below ours";
            return false;
        }
        if (ours.Parameters[FlowParameter] is { } token)
        {
            if (_tokens.TryVerify(token, out destination))
            {
                why = string.Empty;
                return true;
            }
            Interlocked.Increment(ref Counters._badFlowTokens);
            why = "bad flow token in our Via";
            return false;
        }
        if (!SipTransportNames.TryParse(next!.Transport, out var transport)
            || !System.Net.IPAddress.TryParse(next.Received ?? next.Host, out var address))
        {
            why = "next Via cannot be addressed";
            return false;
        }
        int port = next.Rport ?? next.Port ?? (transport == SipTransportKind.Tls ? 5061 : 5060);
        destination = new SipDestination(transport, new System.Net.IPEndPoint(address, port));
        why = string.Empty;
        return true;
    }
}
