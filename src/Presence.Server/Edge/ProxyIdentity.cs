using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Options;
using Presence.Server.Sip;
using Presence.Sip.Headers;
using Presence.Sip.Transport;

namespace Presence.Server.Edge;

/// <summary>
/// How the proxy recognizes itself in a Route or a Via (RFC 3261 §16.4: "the first value in the Route header
/// field indicates this proxy"), and how it writes itself into Via and Record-Route.
/// </summary>
public sealed class ProxyIdentity
{
    private readonly LocalIdentity _identity;
    private readonly SipOptions _options;
    private readonly Lazy<HashSet<IPAddress>> _addresses;

    public ProxyIdentity(LocalIdentity identity, IOptions<SipOptions> options)
    {
        _identity = identity;
        _options = options.Value;
        _addresses = new Lazy<HashSet<IPAddress>>(LocalAddresses);
    }

    public string Host => _identity.Host;

    public int PortOf(SipTransportKind transport) => _identity.PortOf(transport);

    /// <summary>A SIP URI that names this proxy: our host (or one of our addresses) and one of our ports.</summary>
    public bool IsUs(SipUri uri)
    {
        if (!uri.IsSip || !IsOurHost(uri.HostReference, uri.Host))
            return false;
        int port = uri.Port ?? (uri.Scheme == UriScheme.Sips ? 5061 : 5060);
        return IsOurPort(port);
    }

    /// <summary>A Via this proxy pushed: our sent-by and one of our branches.</summary>
    public bool IsOurVia(ViaHeader via) =>
        ProxyBranch.IsOurs(via.Branch) && IsOurHost(via.HostReference, via.Host) && IsOurPort(via.Port ?? (via.Transport == "TLS" ? 5061 : 5060));

    public string Via(SipTransportKind transport, string branch, string? flowToken) =>
        $"SIP/2.0/{transport.ToViaToken()} {_identity.SentBy(transport)};branch={branch};rport"
        + (flowToken is null ? string.Empty : ";" + SipProxy.FlowParameter + "=" + flowToken);

    /// <summary>
    /// A Record-Route entry for the side of the proxy a hop on <paramref name="transport"/> reaches (RFC 5658 §3.2:
    /// one entry per interface when a request changes transport), with the client's flow token as user part.
    /// </summary>
    public string RecordRoute(SipTransportKind transport, string flowToken)
    {
        string port = PortOf(transport).ToString(CultureInfo.InvariantCulture);
        return transport switch
        {
            SipTransportKind.Tls => $"<sips:{flowToken}@{Host}:{port};lr>",
            SipTransportKind.Tcp => $"<sip:{flowToken}@{Host}:{port};transport=tcp;lr>",
            _ => $"<sip:{flowToken}@{Host}:{port};lr>",
        };
    }

    private bool IsOurPort(int port) =>
        port != 0 && (port == _options.UdpPort || port == _options.TcpPort || (port == _options.TlsPort && !string.IsNullOrEmpty(_options.Tls.CertificatePath)));

    private bool IsOurHost(string reference, string host) =>
        string.Equals(reference, _identity.Host, StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host, out var address) && _addresses.Value.Contains(Unmapped(address)));

    // A wildcard listener answers on every local address, so a Route naming any of them names us.
    private HashSet<IPAddress> LocalAddresses()
    {
        var listen = IPAddress.Parse(_options.ListenAddress);
        if (!listen.Equals(IPAddress.Any) && !listen.Equals(IPAddress.IPv6Any))
            return [Unmapped(listen)];
        return NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => Unmapped(a.Address))
            .ToHashSet();
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
