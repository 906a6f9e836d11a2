using Presence.Sip.Transactions;
using Presence.Sip.Message;

namespace Presence.Server.Sip.Handlers;

/// <summary>The event packages this server serves (RFC 6665 §7.2): presence (RFC 3856).</summary>
internal static class EventPackages
{
    public const string Allowed = "presence";

    /// <summary>RFC 6665 §4.2.1 / RFC 3903 §6 step 2: an event package not served here is 489 with Allow-Events.
    /// Returns false after answering so.</summary>
    public static async ValueTask<bool> AcceptOrRejectAsync(ServerTransaction transaction)
    {
        if (IsPresence(transaction.Request))
            return true;
        await transaction.RespondAsync(transaction.CreateResponse(489).Add(HeaderId.AllowEvents, Allowed)).ConfigureAwait(false);
        return false;
    }

    public static bool IsPresence(SipMessage request) =>
        request.GetEvent() is { } e && string.Equals(e.Package, "presence", StringComparison.OrdinalIgnoreCase);
}
