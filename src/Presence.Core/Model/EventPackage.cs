namespace Presence.Core.Model;

/// <summary>The event packages whose state users publish (RFC 3903 §4.1): entity-tags name state within one of them.</summary>
public static class EventPackage
{
    /// <summary>RFC 3856: PIDF documents, or dialog-info as phones also send it under presence.</summary>
    public const string Presence = "presence";

    /// <summary>RFC 4235: dialog-info, the call state a phone or a proxy (Kamailio's pua_dialoginfo) publishes.</summary>
    public const string Dialog = "dialog";
}
