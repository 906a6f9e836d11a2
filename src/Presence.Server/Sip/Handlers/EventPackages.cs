using Presence.Sip.Message;

namespace Presence.Server.Sip.Handlers;

/// <summary>The event packages this server serves (RFC 6665 §7.2): presence (RFC 3856).</summary>
internal static class EventPackages
{
    public const string Allowed = "presence";

    public static bool IsPresence(SipMessage request) =>
        request.GetEvent() is { } e && string.Equals(e.Package, "presence", StringComparison.OrdinalIgnoreCase);
}
