using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Presence.Sip.Transport;

/// <summary>
/// Who a message is charged to when sources are limited: an IPv4 address, or the /64 an IPv6 address is in.
/// A /64 is what one subscriber or one host gets (RFC 6177, RFC 7421), and a host can pick any address inside
/// it, so limiting single IPv6 addresses would limit nobody.
/// </summary>
public readonly record struct SourceKey
{
    private readonly UInt128 _value;

    private SourceKey(UInt128 value) => _value = value;

    /// <summary>The key of an address; an IPv4-mapped IPv6 address is the IPv4 address it maps.</summary>
    public static SourceKey From(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            // Stored the way an IPv4-mapped address is (::ffff:a.b.c.d): no IPv6 /64 key can be equal to it,
            // because those always have their low 64 bits zero and these never do.
            bytes.Clear();
            bytes[10] = 0xff;
            bytes[11] = 0xff;
            address.TryWriteBytes(bytes[12..], out _);
            return new SourceKey(BinaryPrimitives.ReadUInt128BigEndian(bytes));
        }
        address.TryWriteBytes(bytes, out _);
        UInt128 value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return new SourceKey(value & ((UInt128)ulong.MaxValue << 64));
    }

    public override string ToString() => _value.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
}
