using System.Net;
using Presence.Sip.Headers;
using Presence.Sip.Transport;

namespace Presence.Sip.Transactions;

/// <summary>Where a response goes and what its top Via says (RFC 3261 §18.2.1, §18.2.2; RFC 3581 §4).</summary>
public static class ResponseRouting
{
    /// <summary>
    /// Reliable transports answer on the flow the request came on, else on a new connection to the received address at
    /// the sent-by port. UDP answers to the source address (which
    /// the received parameter records) at the source port when the client asked for rport, else at the
    /// sent-by port; maddr, when present, overrides the address.
    /// </summary>
    public static SipDestination Destination(SipDestination source, ViaHeader via)
    {
        // Over TCP and TLS the flow comes first; should it be gone, RFC 3261 §18.2.2 has the server open a connection to
        // the received address at the Via's sent-by port (the transport's default when there is none).
        // RFC 7118 §5: only on the WebSocket the client opened (its sent-by is often a made-up ".invalid" host).
        if (source.Transport is SipTransportKind.Ws or SipTransportKind.Wss)
            return source;
        if (source.IsReliable)
            return source with { EndPoint = new IPEndPoint(source.EndPoint.Address, via.Port ?? DefaultPort(source.Transport)) };
        IPAddress address = source.EndPoint.Address;
        if (via.Maddr is { } maddr && IPAddress.TryParse(maddr, out var m))
            address = m;
        int port = via.HasRport ? source.EndPoint.Port : via.Port ?? 5060;
        return new SipDestination(source.Transport, new IPEndPoint(address, port));
    }

    private static int DefaultPort(SipTransportKind transport) => transport == SipTransportKind.Tls ? 5061 : 5060;

    /// <summary>The request's top Via with received and rport filled in from where the request really came from.</summary>
    public static ViaHeader ResponseVia(SipDestination source, ViaHeader via)
    {
        IPAddress address = source.EndPoint.Address;
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        return via.WithReceived(address.ToString(), source.EndPoint.Port);
    }

    /// <summary>A new random tag (RFC 3261 §19.3: at least 32 bits of randomness).</summary>
    public static string NewTag() => Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()));
}
