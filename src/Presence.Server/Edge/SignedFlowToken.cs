using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Presence.Server.Sip;
using Presence.Sip.Transport;

namespace Presence.Server.Edge;

/// <summary>
/// Flow tokens a stateless proxy hands out in Record-Route user parts and Via parameters (RFC 5626 §5.2): the
/// flow as <see cref="FlowToken"/> writes it, under an HMAC-SHA256 so that nobody can make the proxy send on a
/// connection or to an address it chose, in base64url (whose characters a SIP URI user part and a Via parameter
/// take unescaped).
/// </summary>
public sealed class SignedFlowToken
{
    // 128 bits of MAC: RFC 5626 §5.2's example uses 80; forging one is out of reach either way.
    private const int MacLength = 16;

    // The longest flow text ("tls:[IPv6 with zone]:65535#" + 19 digits) is well under 100 bytes.
    private const int MaxTokenLength = 200;

    private readonly byte[] _key;

    public SignedFlowToken(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 16)
            throw new ArgumentException("A flow-token key has at least 16 bytes.", nameof(key));
        _key = key.ToArray();
    }

    public string Sign(SipDestination flow)
    {
        byte[] text = Encoding.ASCII.GetBytes(FlowToken.Format(Normalize(flow)));
        byte[] token = new byte[MacLength + text.Length];
        Mac(text, token.AsSpan(0, MacLength));
        text.CopyTo(token, MacLength);
        return Base64Url.EncodeToString(token);
    }

    /// <summary>False for anything this proxy did not sign with its key: garbage, a cut token, a changed byte.</summary>
    public bool TryVerify(string? token, out SipDestination flow)
    {
        flow = default;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
            return false;
        Span<byte> bytes = stackalloc byte[MaxTokenLength];
        // The OperationStatus form: TryDecodeFromChars throws on a character outside the alphabet.
        if (Base64Url.DecodeFromChars(token, bytes, out _, out int length) != System.Buffers.OperationStatus.Done || length <= MacLength)
            return false;
        // Only the spelling we wrote: a last character whose unused bits differ decodes the same, but is not our token.
        Span<char> canonical = stackalloc char[MaxTokenLength];
        if (!Base64Url.TryEncodeToChars(bytes[..length], canonical, out int written) || !canonical[..written].SequenceEqual(token))
            return false;
        ReadOnlySpan<byte> text = bytes[MacLength..length];
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(text, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[..MacLength]))
            return false;
        return FlowToken.TryParse(Encoding.ASCII.GetString(text), out flow);
    }

    /// <summary>
    /// A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; the token names them as IPv4 so that a flow
    /// compares equal however the socket saw it.
    /// </summary>
    public static SipDestination Normalize(SipDestination flow) =>
        flow.EndPoint.Address.IsIPv4MappedToIPv6
            ? flow with { EndPoint = new IPEndPoint(flow.EndPoint.Address.MapToIPv4(), flow.EndPoint.Port) }
            : flow;

    private void Mac(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, text, full);
        full[..MacLength].CopyTo(destination);
    }
}
