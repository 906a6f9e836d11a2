using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.Server.Edge;

/// <summary>
/// The branch of the Via a stateless proxy pushes (RFC 3261 §16.11): it keeps no state, so the branch must come
/// out of the request itself, the same for every retransmission, and the same for an ACK to a non-2xx and a
/// CANCEL as for their INVITE (they carry the INVITE's top Via), so the next hop matches them to its transaction.
/// </summary>
public static class ProxyBranch
{
    /// <summary>After the magic cookie: marks our branches apart from the random ones of our own client
    /// transactions ("z9hG4bK" + hex), which never hold a 'p'.</summary>
    public const string Prefix = ViaHeader.MagicCookie + "px";

    public static string For(SipMessage request, ViaHeader topVia)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(topVia);
        var key = new StringBuilder(128);
        key.Append(topVia.Branch).Append('|').Append(topVia.SentBy.ToLowerInvariant()).Append('|').Append(topVia.Transport);
        if (topVia.Branch is not { } branch || !branch.StartsWith(ViaHeader.MagicCookie, StringComparison.Ordinal))
        {
            // An RFC 2543 client's branch is not unique; §16.11 names what to hash instead: the top Via, To tag,
            // From tag, Call-ID, CSeq number and Request-URI. (An ACK's To tag differs from its INVITE's; such
            // clients are rare, and a stateless proxy cannot do better without keeping state.)
            key.Append('|').Append(request.GetTo()?.Tag).Append('|').Append(request.GetFrom()?.Tag)
                .Append('|').Append(request.CallId).Append('|').Append(request.CSeq.ToString(CultureInfo.InvariantCulture))
                .Append('|').Append(request.RequestUri);
        }
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString()), hash);
        // 96 bits: unique enough that two requests never share a branch by chance.
        return Prefix + Convert.ToHexStringLower(hash[..12]);
    }

    public static bool IsOurs(string? branch) => branch is not null && branch.StartsWith(Prefix, StringComparison.Ordinal);
}
