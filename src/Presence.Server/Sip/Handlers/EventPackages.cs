using Presence.Sip.Transactions;
using Presence.Sip.Message;

namespace Presence.Server.Sip.Handlers;

/// <summary>The event packages this server serves (RFC 6665 §7.2): presence (RFC 3856), its watcher information
/// (RFC 3857) and the dialog package (RFC 4235).</summary>
internal static class EventPackages
{
    public const string Allowed = "presence, presence.winfo, dialog";

    /// <summary>RFC 6665 §4.2.1 / RFC 3903 §6 step 2: an event package not served here is 489 with Allow-Events.
    /// Returns false after answering so.</summary>
    public static async ValueTask<bool> AcceptOrRejectAsync(ServerTransaction transaction, bool watcherInfoToo = false, bool dialogToo = false)
    {
        if (IsPresence(transaction.Request) || (watcherInfoToo && IsWatcherInfo(transaction.Request)) || (dialogToo && IsDialog(transaction.Request)))
            return true;
        await transaction.RespondAsync(transaction.CreateResponse(489).Add(HeaderId.AllowEvents, Allowed)).ConfigureAwait(false);
        return false;
    }

    /// <summary>RFC 3857: presence.winfo, the watcher information template package of presence.</summary>
    public static bool IsWatcherInfo(SipMessage request) =>
        request.GetEvent() is { } e && string.Equals(e.Package, "presence.winfo", StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 4235: the dialog package, whose state phones and proxies PUBLISH (RFC 3903).</summary>
    public static bool IsDialog(SipMessage request) =>
        request.GetEvent() is { } e && string.Equals(e.Package, "dialog", StringComparison.OrdinalIgnoreCase);

    public static bool IsPresence(SipMessage request) =>
        request.GetEvent() is { } e && string.Equals(e.Package, "presence", StringComparison.OrdinalIgnoreCase);
}
