using System.Xml;

namespace Presence.Core.Tests.Documents;

/// <summary>Looks into what the writer produced with an independent, strict XmlReader, by namespace URI.</summary>
internal static class WrittenXml
{
    public const string Pidf = "urn:ietf:params:xml:ns:pidf";
    public const string DataModel = "urn:ietf:params:xml:ns:pidf:data-model";
    public const string Rpid = "urn:ietf:params:xml:ns:pidf:rpid";
    public const string Extension = "urn:presence-orleans:params:xml:ns:pidf-ext";

    /// <summary>Every element as "namespace|name" in document order; the reader throws if the XML is not well-formed.</summary>
    public static List<string> Elements(byte[] xml)
    {
        var names = new List<string>();
        using var reader = Create(xml);
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element)
                names.Add(reader.NamespaceURI + "|" + reader.LocalName);
        }
        return names;
    }

    /// <summary>The text of every element with this namespace and name (they are leaves in our documents).</summary>
    public static List<string> Texts(byte[] xml, string ns, string name)
    {
        var texts = new List<string>();
        using var reader = Create(xml);
        while (!reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element && reader.NamespaceURI == ns && reader.LocalName == name)
                texts.Add(reader.ReadElementContentAsString());
            else
                reader.Read();
        }
        return texts;
    }

    public static List<string> Attributes(byte[] xml, string ns, string name, string attribute)
    {
        var values = new List<string>();
        using var reader = Create(xml);
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element && reader.NamespaceURI == ns && reader.LocalName == name)
                values.Add(reader.GetAttribute(attribute) ?? "(none)");
        }
        return values;
    }

    /// <summary>The local names of the RPID activities inside rpid:activities.</summary>
    public static List<string> Activities(byte[] xml) =>
        Elements(xml).Where(e => e.StartsWith(Rpid + "|", StringComparison.Ordinal))
            .Select(e => e[(Rpid.Length + 1)..])
            .Where(n => n != "activities")
            .ToList();

    private static XmlReader Create(byte[] xml) => XmlReader.Create(new MemoryStream(xml), new XmlReaderSettings
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        CheckCharacters = true,
    });
}
