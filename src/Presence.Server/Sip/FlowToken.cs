using System.Globalization;
using System.Net;
using Presence.Sip.Transport;

namespace Presence.Server.Sip;

/// <summary>
/// A stored form of the flow a request came on ("udp:192.0.2.1:5060", "tcp:[2001:db8::1]:5061#42"), so that
/// NOTIFYs can go back the same way to a client behind NAT, or on its TCP/TLS connection (RFC 5626 §5.3).
/// </summary>
public static class FlowToken
{
    public static string Format(SipDestination destination)
    {
        string address = destination.EndPoint.Address.ToString();
        if (destination.EndPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            address = "[" + address + "]";
        string text = $"{destination.Transport.ToViaToken().ToLowerInvariant()}:{address}:{destination.EndPoint.Port.ToString(CultureInfo.InvariantCulture)}";
        return destination.FlowId == 0 ? text : text + "#" + destination.FlowId.ToString(CultureInfo.InvariantCulture);
    }

    public static bool TryParse(string? token, out SipDestination destination)
    {
        destination = default;
        if (string.IsNullOrEmpty(token))
            return false;
        int colon = token.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !SipTransportNames.TryParse(token[..colon], out var transport))
            return false;
        string rest = token[(colon + 1)..];
        long flowId = 0;
        int hash = rest.LastIndexOf('#');
        if (hash >= 0)
        {
            if (!long.TryParse(rest.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out flowId))
                return false;
            rest = rest[..hash];
        }
        if (!IPEndPoint.TryParse(rest, out var endPoint))
            return false;
        destination = new SipDestination(transport, endPoint, flowId);
        return true;
    }
}
