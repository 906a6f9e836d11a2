using System.Text;
using System.Xml;
using Presence.Core.Model;

namespace Presence.Core.Documents;

/// <summary>
/// RFC 4826 resource lists (<c>application/resource-lists+xml</c>): how a user's buddy list is written and read
/// through the HTTP API. A <c>&lt;list&gt;</c> may nest lists; their entries are taken in document order, once
/// each. References to entries elsewhere (<c>entry-ref</c>, <c>external</c>) need an XCAP server and are refused.
/// </summary>
public static class ResourceListsXml
{
    public const string ContentType = "application/resource-lists+xml";
    public const string Namespace = "urn:ietf:params:xml:ns:resource-lists";

    /// <summary>The list's display name and entries from a <c>&lt;resource-lists&gt;</c> holding one list, or a
    /// lone <c>&lt;list&gt;</c>; false with the reason otherwise.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out string? displayName, out List<ListEntry> entries, out string error)
    {
        displayName = null;
        entries = [];
        using var stream = new MemoryStream(body.ToArray(), writable: false);
        using var reader = XmlInput.Create(stream);
        try
        {
            if (!XmlInput.TryMoveToRoot(reader, body, out error))
                return false;
            if (reader.NamespaceURI != Namespace)
            {
                error = $"the root element is not in {Namespace}";
                return false;
            }
            if (reader.LocalName == "resource-lists")
            {
                if (reader.IsEmptyElement)
                {
                    error = "no <list> in <resource-lists>";
                    return false;
                }
                int depth = reader.Depth;
                bool found = false;
                XmlInput.Read(reader);
                while (!reader.EOF && !(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth))
                {
                    if (reader.NodeType != XmlNodeType.Element)
                    {
                        XmlInput.Read(reader);
                        continue;
                    }
                    if (reader.LocalName == "list" && reader.NamespaceURI == Namespace)
                    {
                        if (found)
                        {
                            error = "more than one <list>: put one list at a time";
                            return false;
                        }
                        found = true;
                        if (!ReadList(reader, entries, out displayName, out error))
                            return false;
                        continue;
                    }
                    XmlInput.Skip(reader);
                }
                if (!found)
                {
                    error = "no <list> in <resource-lists>";
                    return false;
                }
                return true;
            }
            if (reader.LocalName == "list")
                return ReadList(reader, entries, out displayName, out error);
            error = "the root element is neither <resource-lists> nor <list>";
            return false;
        }
        catch (XmlException ex)
        {
            error = XmlInput.Describe(ex);
            return false;
        }
    }

    // Reads the <list> under the reader (and the lists it nests), leaving the reader after its end.
    private static bool ReadList(XmlReader reader, List<ListEntry> entries, out string? displayName, out string error)
    {
        displayName = null;
        error = string.Empty;
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return true;
        }
        int depth = reader.Depth;
        XmlInput.Read(reader);
        while (!reader.EOF && !(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth))
        {
            if (reader.NodeType != XmlNodeType.Element || reader.NamespaceURI != Namespace)
            {
                if (reader.NodeType == XmlNodeType.Element)
                    XmlInput.Skip(reader);
                else
                    XmlInput.Read(reader);
                continue;
            }
            switch (reader.LocalName)
            {
                case "display-name":
                    displayName = XmlInput.ReadText(reader).Trim();
                    break;
                case "entry":
                    string? uri = reader.GetAttribute("uri");
                    if (string.IsNullOrWhiteSpace(uri))
                    {
                        error = "an <entry> without a uri";
                        return false;
                    }
                    string? name = ReadEntryName(reader);
                    entries.Add(new ListEntry(uri.Trim(), string.IsNullOrWhiteSpace(name) ? null : name.Trim()));
                    break;
                case "list":
                    if (!ReadList(reader, entries, out _, out error))
                        return false;
                    break;
                case "entry-ref":
                case "external":
                    error = $"<{reader.LocalName}> is not supported: list the entries themselves";
                    return false;
                default:
                    XmlInput.Skip(reader);
                    break;
            }
        }
        reader.Read();
        return true;
    }

    private static string? ReadEntryName(XmlReader reader)
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return null;
        }
        string? name = null;
        int depth = reader.Depth;
        XmlInput.Read(reader);
        while (!reader.EOF && !(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth))
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "display-name" && reader.NamespaceURI == Namespace)
                name = XmlInput.ReadText(reader);
            else if (reader.NodeType == XmlNodeType.Element)
                XmlInput.Skip(reader);
            else
                XmlInput.Read(reader);
        }
        reader.Read();
        return name;
    }

    /// <summary>The list as RFC 4826 writes it: one <c>&lt;list&gt;</c> in a <c>&lt;resource-lists&gt;</c>.</summary>
    public static byte[] Write(ResourceList list)
    {
        var b = new StringBuilder(128 + 80 * list.Entries.Count);
        b.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.Append("<resource-lists xmlns=\"").Append(Namespace).Append("\">\n");
        b.Append("  <list name=\"").Append(Escape(list.Name)).Append("\">\n");
        if (!string.IsNullOrEmpty(list.DisplayName))
            b.Append("    <display-name>").Append(Escape(list.DisplayName)).Append("</display-name>\n");
        foreach (var e in list.Entries)
        {
            b.Append("    <entry uri=\"").Append(Escape(e.Uri)).Append('"');
            if (string.IsNullOrEmpty(e.DisplayName))
                b.Append("/>\n");
            else
                b.Append("><display-name>").Append(Escape(e.DisplayName)).Append("</display-name></entry>\n");
        }
        b.Append("  </list>\n</resource-lists>\n");
        return Encoding.UTF8.GetBytes(b.ToString());
    }

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? string.Empty;
}
