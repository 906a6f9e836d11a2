using System.Text;

namespace Presence.Core.Tests.Presentity;

/// <summary>Publication bodies as clients send them, for the presentity tests.</summary>
internal static class Pidf
{
    public const string ContentType = "application/pidf+xml";
    public const string DialogInfo = "application/dialog-info+xml";

    public static byte[] Basic(string basic, string? note = null, string activities = "") => Encoding.UTF8.GetBytes(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\""
        + " xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"sip:alice@example.com\">"
        + $"<tuple id=\"d1\"><status><basic>{basic}</basic></status></tuple>"
        + (activities.Length > 0 ? $"<dm:person id=\"p1\"><rpid:activities>{activities}</rpid:activities></dm:person>" : string.Empty)
        + (note is null ? string.Empty : $"<note>{note}</note>")
        + "</presence>");

    public static byte[] OnThePhone() => Basic("open", activities: "<rpid:on-the-phone/>");

    public static byte[] Extension(string inner) => Encoding.UTF8.GetBytes(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:po=\"urn:presence-orleans:params:xml:ns:pidf-ext\" entity=\"sip:alice@example.com\">"
        + "<tuple id=\"d1\"><status><basic>open</basic></status></tuple>"
        + inner
        + "</presence>");

    public static byte[] Dialog(string state, string direction = "recipient") => Encoding.UTF8.GetBytes(
        "<?xml version=\"1.0\"?>"
        + "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"1\" state=\"full\" entity=\"sip:alice@example.com\">"
        + $"<dialog id=\"a1\" direction=\"{direction}\"><state>{state}</state></dialog>"
        + "</dialog-info>");
}
