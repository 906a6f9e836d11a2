using System.Net;
using Presence.Sip.Headers;
using Presence.Sip.Transport;

namespace Presence.Server.Edge;

/// <summary>Where a SIP URI with an IP address for host points (RFC 3263 §4 without the DNS: transport from the
/// transport parameter or the sips scheme, the scheme's default port).</summary>
public static class UriDestination
{
    public static bool TryFrom(SipUri uri, out SipDestination destination)
    {
        ArgumentNullException.ThrowIfNull(uri);
        destination = default;
        if (!uri.IsSip || !IPAddress.TryParse(uri.Host, out var address))
            return false;
        var transport = uri.Scheme == UriScheme.Sips ? SipTransportKind.Tls
            : SipTransportNames.TryParse(uri.Parameters["transport"], out var t) ? t : SipTransportKind.Udp;
        destination = new SipDestination(transport, new IPEndPoint(address, uri.Port ?? (transport == SipTransportKind.Tls ? 5061 : 5060)));
        return true;
    }
}
