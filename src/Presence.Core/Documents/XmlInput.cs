using System.Text;
using System.Xml;

namespace Presence.Core.Documents;

/// <summary>
/// How published documents are read: untrusted bytes from any client, so no DTD (no entity expansion, no
/// billion laughs, no external entities), no resolver, bounded size, and every failure turned into a short reason
/// the server can put in the reason phrase of a 400 (RFC 3903 §6).
/// </summary>
internal static class XmlInput
{
    public const string DtdNotAllowed = "DTD not allowed";

    /// <summary>The deepest nesting read. Real PIDF and dialog-info documents are 4 to 7 elements deep; one nested
    /// thousands deep is there only to cost whoever walks it (the reader itself sets no limit).</summary>
    public const int MaxDepth = 32;

    public const string TooDeep = "elements nested more than 32 deep";

    private static readonly XmlReaderSettings s_settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = PresenceDocumentReader.MaxDocumentBytes,
        // Only the five predefined entities and character references can occur without a DTD.
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = true,
    };

    private static readonly byte[] s_doctypeUtf16LittleEndian = Encoding.Unicode.GetBytes("<!DOCTYPE");
    private static readonly byte[] s_doctypeUtf16BigEndian = Encoding.BigEndianUnicode.GetBytes("<!DOCTYPE");

    public static XmlReader Create(Stream stream) => XmlReader.Create(stream, s_settings);

    /// <summary>
    /// Moves past the prolog to the root element. A DOCTYPE can only stand in the prolog, so a failure here on a
    /// document that has one is reported as the DTD rather than as a position.
    /// </summary>
    public static bool TryMoveToRoot(XmlReader reader, ReadOnlySpan<byte> body, out string error)
    {
        try
        {
            if (reader.MoveToContent() != XmlNodeType.Element)
            {
                error = "no root element";
                return false;
            }
            error = string.Empty;
            return true;
        }
        catch (XmlException ex)
        {
            error = HasDoctype(body) ? DtdNotAllowed : Describe(ex);
            return false;
        }
    }

    public static string Describe(XmlException ex) =>
        ex is TooDeepException ? TooDeep : ex.LineNumber > 0 ? $"malformed XML at line {ex.LineNumber}" : "malformed XML";

    /// <summary>Moves to the next node like <see cref="XmlReader.Read"/>, refusing to go deeper than <see cref="MaxDepth"/>.</summary>
    public static bool Read(XmlReader reader)
    {
        bool more = reader.Read();
        if (more && reader.Depth > MaxDepth && reader.NodeType == XmlNodeType.Element)
            throw new TooDeepException();
        return more;
    }

    /// <summary>Skips the element under the reader and all it holds, like <see cref="XmlReader.Skip"/> but depth-checked.</summary>
    public static void Skip(XmlReader reader)
    {
        int depth = reader.Depth;
        if (!reader.IsEmptyElement)
        {
            while (Read(reader) && reader.Depth > depth)
            {
            }
        }
        reader.Read();
    }

    /// <summary>
    /// The concatenated character data of the current element and its descendants, leaving the reader on the node
    /// after the element's end. Nested markup is tolerated (its text counts) because clients put odd things in notes.
    /// </summary>
    public static string ReadText(XmlReader reader)
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return string.Empty;
        }
        int depth = reader.Depth;
        string? first = null;
        StringBuilder? more = null;
        while (Read(reader))
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    if (first is null)
                        first = reader.Value;
                    else
                        (more ??= new StringBuilder(first)).Append(reader.Value);
                    break;
                case XmlNodeType.EndElement when reader.Depth == depth:
                    reader.Read();
                    return more?.ToString() ?? first ?? string.Empty;
            }
        }
        // Unreachable for a well-formed document: the reader throws on an unclosed element first.
        return more?.ToString() ?? first ?? string.Empty;
    }

    private sealed class TooDeepException() : XmlException(TooDeep);

    private static bool HasDoctype(ReadOnlySpan<byte> body) =>
        body.IndexOf("<!DOCTYPE"u8) >= 0
        || body.IndexOf(s_doctypeUtf16LittleEndian) >= 0
        || body.IndexOf(s_doctypeUtf16BigEndian) >= 0;
}
