using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.Sip.Transactions;

/// <summary>How requests and responses find their transaction (RFC 3261 §17.1.3, §17.2.3).</summary>
internal static class TransactionKey
{
    /// <summary>
    /// Server side: the top Via branch, sent-by and method, with ACK matched to its INVITE. For a branch without
    /// the RFC 3261 magic cookie (an RFC 2543 client) the key falls back to Call-ID, CSeq, From tag and sent-by.
    /// </summary>
    public static string? ForServer(SipMessage request, bool ackMatchesInvite = true)
    {
        ViaHeader? via = request.TopVia;
        if (via is null)
            return null;
        string method = ackMatchesInvite && request.Method == SipMethods.Ack ? SipMethods.Invite : request.Method;
        string? branch = via.Branch;
        // The cookie alone identifies nothing (RFC 4475 §3.2.1, badbranch): matched the RFC 2543 way, like no cookie.
        if (branch is not null && branch.Length > ViaHeader.MagicCookie.Length && branch.StartsWith(ViaHeader.MagicCookie, StringComparison.Ordinal))
            return string.Concat(branch, "|", via.SentBy.ToLowerInvariant(), "|", method);
        string? fromTag = request.GetFirst(HeaderId.From) is { } from && NameAddress.TryParse(from, out var f, out _) ? f!.Tag : null;
        return string.Concat("2543|", request.CallId, "|", request.CSeq.ToString(System.Globalization.CultureInfo.InvariantCulture), "|",
            fromTag, "|", via.SentBy.ToLowerInvariant(), "|", method);
    }

    /// <summary>Client side: the branch we put in the top Via and the CSeq method (RFC 3261 §17.1.3).</summary>
    public static string? ForClientResponse(SipMessage response)
    {
        string? branch = response.TopVia?.Branch;
        return branch is null ? null : ForClient(branch, response.CSeqMethod);
    }

    public static string ForClient(string branch, string method) => string.Concat(branch, "|", method);

    public static string NewBranch() => ViaHeader.MagicCookie + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()));
}
