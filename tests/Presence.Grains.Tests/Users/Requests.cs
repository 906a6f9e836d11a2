using System.Text;
using Presence.Grains.Commands;

namespace Presence.Grains.Tests.Users;

/// <summary>The commands a SIP node sends for what clients do, with the fields a test does not care about filled in.</summary>
internal static class Requests
{
    public static RegisterCommand Register(string contact, int expires, string callId = "reg-1", long cseq = 1) =>
        new([new ContactCommand(contact, null, null, null)], false, expires, callId, cseq, "udp:192.0.2.1:5060");

    public static PublishCommand Publish(string basic, int expires = 600, string? ifMatch = null, string? note = null) =>
        new(ifMatch, expires, "application/pidf+xml", Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\">" +
            $"<tuple id=\"t1\"><status><basic>{basic}</basic></status>{(note is null ? "" : $"<note>{note}</note>")}</tuple></presence>"));

    public static SubscribeCommand Subscribe(
        string watcher, string callId, int expires = 600, string? notifierTag = null, string edge = "edge-a", string watcherTag = "w1") =>
        new(callId, watcherTag, notifierTag, watcher, watcher, "sip:watcher@192.0.2.9:5060", [], null, expires, true,
            "udp:192.0.2.9:5060", "presence", [], edge);

    /// <summary>The extended status a NOTIFY's PIDF body carries.</summary>
    public static string ExtendedOf(Notify.NotifyMessage notify)
    {
        string xml = Encoding.UTF8.GetString(notify.Body);
        int start = xml.IndexOf("extended>", StringComparison.Ordinal) + "extended>".Length;
        return xml[start..xml.IndexOf('<', start)];
    }
}
