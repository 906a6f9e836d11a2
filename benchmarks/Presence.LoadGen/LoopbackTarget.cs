using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Presence.LoadGen;

/// <summary>
/// The load generator sends only to this machine: 127.0.0.0/8 or ::1. A load test of anything else is traffic
/// at someone's server, so any other address is refused before a socket is opened, and every datagram is checked
/// again on its way out (<see cref="Sip.LoopbackOnlySender"/>).
/// </summary>
public static class LoopbackTarget
{
    public const int DefaultPort = 5060;

    public static bool IsLoopback(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        // IPAddress.IsLoopback is true for the whole of 127.0.0.0/8 and for ::1.
        return IPAddress.IsLoopback(address);
    }

    public static string Refusal(IPAddress address, string option) =>
        $"{option} {address}: refused. The load generator sends only to loopback addresses (127.0.0.0/8 or ::1); "
        + "start the server on this machine and point the load at it.";

    /// <summary>
    /// Reads "127.0.0.1:5060", "127.0.0.1", "[::1]:5070", "::1" or "localhost[:port]". Host names other than localhost
    /// are refused rather than resolved: a name could lead anywhere.
    /// </summary>
    public static bool TryParse(string text, string option, out IPEndPoint? endPoint, out string error)
    {
        endPoint = null;
        error = string.Empty;
        text = text.Trim();
        if (text.StartsWith("localhost", StringComparison.OrdinalIgnoreCase))
        {
            string rest = text["localhost".Length..];
            int port = DefaultPort;
            if (rest.Length > 0 && (rest[0] != ':' || !TryPort(rest[1..], out port)))
            {
                error = $"{option}: '{text}' is not host[:port].";
                return false;
            }
            endPoint = new IPEndPoint(IPAddress.Loopback, port);
            return true;
        }
        if (IPAddress.TryParse(text, out var bare) && !text.Contains(']', StringComparison.Ordinal)
            && (bare.AddressFamily == AddressFamily.InterNetworkV6 || !text.Contains(':', StringComparison.Ordinal)))
        {
            endPoint = new IPEndPoint(bare, DefaultPort);
        }
        else if (!IPEndPoint.TryParse(text, out endPoint))
        {
            error = $"{option}: '{text}' is not an address: give 127.0.0.1:5060, [::1]:5060 or localhost:5060.";
            return false;
        }
        if (endPoint.Port == 0)
        {
            error = $"{option}: '{text}': the port cannot be 0.";
            return false;
        }
        if (!IsLoopback(endPoint.Address))
        {
            error = Refusal(endPoint.Address, option);
            endPoint = null;
            return false;
        }
        if (endPoint.Address.IsIPv4MappedToIPv6)
            endPoint = new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port);
        return true;
    }

    /// <summary>
    /// The loopback address <paramref name="offset"/> after <paramref name="first"/> (127.0.0.1 + 5 = 127.0.0.6), or null
    /// when it would leave 127.0.0.0/8 or land on its broadcast address; on IPv6 only offset 0 (::1) exists.
    /// </summary>
    public static IPAddress? Spread(IPAddress first, int offset)
    {
        if (first.AddressFamily == AddressFamily.InterNetworkV6)
            return offset == 0 && IsLoopback(first) ? first : null;
        byte[] bytes = first.GetAddressBytes();
        uint value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        ulong spread = (ulong)value + (uint)offset;
        if (bytes[0] != 127 || spread >= 0x7FFF_FFFF)
            return null;
        uint v = (uint)spread;
        return new IPAddress(new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v });
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
}
