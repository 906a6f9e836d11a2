using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Presence.Sip.Transport;

namespace Presence.Server.Sip;

/// <summary>
/// How this server names itself in what it sends: the host in Via and Contact, and the port of each transport.
/// </summary>
public sealed class LocalIdentity
{
    private readonly SipOptions _options;
    private readonly Lazy<string> _host;

    public LocalIdentity(IOptions<SipOptions> options)
    {
        _options = options.Value;
        _host = new Lazy<string>(ChooseHost);
    }

    /// <summary>The advertised host (a name, an IPv4 address, or an IPv6 reference in brackets).</summary>
    public string Host => _host.Value;

    public int PortOf(SipTransportKind transport) => transport switch
    {
        SipTransportKind.Udp => _options.UdpPort,
        SipTransportKind.Tcp => _options.TcpPort,
        SipTransportKind.Ws => _options.WebSocket.Port,
        SipTransportKind.Wss => _options.WebSocket.TlsPort,
        _ => _options.TlsPort,
    };

    /// <summary>The Contact this server puts in dialogs it takes part in (SUBSCRIBE 2xx, NOTIFY).</summary>
    public string ContactUri(SipTransportKind transport) => transport switch
    {
        SipTransportKind.Tls => $"sips:presence@{Host}:{PortOf(transport).ToString(CultureInfo.InvariantCulture)}",
        SipTransportKind.Tcp => $"sip:presence@{Host}:{PortOf(transport).ToString(CultureInfo.InvariantCulture)};transport=tcp",
        // RFC 7118 §5.2: transport=ws for both, the sips scheme for the secure one.
        SipTransportKind.Ws => $"sip:presence@{Host}:{PortOf(transport).ToString(CultureInfo.InvariantCulture)};transport=ws",
        SipTransportKind.Wss => $"sips:presence@{Host}:{PortOf(transport).ToString(CultureInfo.InvariantCulture)};transport=ws",
        _ => $"sip:presence@{Host}:{PortOf(transport).ToString(CultureInfo.InvariantCulture)}",
    };

    /// <summary>The sent-by of a Via for a request this server sends.</summary>
    public string SentBy(SipTransportKind transport) => $"{Host}:{PortOf(transport).ToString(CultureInfo.InvariantCulture)}";

    private string ChooseHost()
    {
        if (!string.IsNullOrWhiteSpace(_options.AdvertisedHost))
            return _options.AdvertisedHost.Trim();
        var listen = IPAddress.Parse(_options.ListenAddress);
        if (!listen.Equals(IPAddress.Any) && !listen.Equals(IPAddress.IPv6Any))
            return Reference(listen);
        // A wildcard listener: advertise this machine's first address that is up and not loopback.
        return Reference(FirstMachineAddress());
    }

    /// <summary>This machine's first IPv4 address that is up and not loopback (loopback when there is none).</summary>
    public static IPAddress FirstMachineAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? IPAddress.Loopback;

    private static string Reference(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
}
