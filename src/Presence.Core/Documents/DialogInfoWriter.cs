using System.Globalization;
using System.Text;

namespace Presence.Core.Documents;

/// <summary>
/// Writes application/dialog-info+xml (RFC 4235) for the dialog package's NOTIFYs: the user's dialogs from every live
/// publication, as full state. The version rises with every document sent in a subscription (§4.1), so a watcher can
/// tell a stale one from a new one.
/// </summary>
public static class DialogInfoWriter
{
    public const string ContentType = "application/dialog-info+xml";

    public static byte[] Write(string entity, long version, IEnumerable<DialogEntry> dialogs)
    {
        var b = new StringBuilder(256);
        b.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        // RFC 4235 §4.1: version is a non-negative integer that starts at 0 for a subscription.
        b.Append("<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"")
            .Append(version.ToString(CultureInfo.InvariantCulture))
            .Append("\" state=\"full\" entity=\"").Append(Escape(entity)).Append("\">\n");
        foreach (var d in dialogs)
        {
            b.Append("  <dialog id=\"").Append(Escape(d.Id)).Append('"');
            Attribute(b, "call-id", d.CallId);
            Attribute(b, "local-tag", d.LocalTag);
            Attribute(b, "remote-tag", d.RemoteTag);
            Attribute(b, "direction", d.Direction);
            b.Append(">\n    <state>").Append(Escape(d.State)).Append("</state>\n");
            if (d.RemoteIdentity is { } remote)
                b.Append("    <remote><identity>").Append(Escape(remote)).Append("</identity></remote>\n");
            b.Append("  </dialog>\n");
        }
        b.Append("</dialog-info>\n");
        return Encoding.UTF8.GetBytes(b.ToString());
    }

    private static void Attribute(StringBuilder b, string name, string? value)
    {
        if (value is not null)
            b.Append(' ').Append(name).Append("=\"").Append(Escape(value)).Append('"');
    }

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? string.Empty;
}
