using System.Buffers;
using System.Xml;

namespace Presence.Core.Documents;

/// <summary>
/// Reads the body of a PUBLISH (RFC 3903) into the <see cref="PublishedState"/> of that publication.
/// Never throws on any input: a document it cannot use yields false and a short reason for a 400.
/// </summary>
public static class PresenceDocumentReader
{
    public const int MaxDocumentBytes = 64 * 1024;

    public const string PidfContentType = "application/pidf+xml";
    public const string DialogInfoContentType = "application/dialog-info+xml";

    /// <summary>The priority of a contact published without one (RFC 3863 §4.1.5 defines none).</summary>
    public const double DefaultContactPriority = ContactPriority.Default;

    /// <summary>
    /// PIDF (RFC 3863) and dialog-info (RFC 4235). The pre-standard application/xpidf+xml is not: no client at hand
    /// publishes it, and its schema is not the one the rules here read.
    /// </summary>
    public static bool IsSupported(string contentType) => KindOf(contentType) != DocumentKind.None;

    /// <param name="contentType">The media type without parameters, e.g. "application/pidf+xml".</param>
    public static bool TryRead(string contentType, ReadOnlySpan<byte> body, out PublishedState? state, out string error)
    {
        state = null;
        DocumentKind kind = KindOf(contentType);
        if (kind == DocumentKind.None)
        {
            error = "unsupported content type";
            return false;
        }
        if (body.IsEmpty)
        {
            error = "empty document";
            return false;
        }
        if (body.Length > MaxDocumentBytes)
        {
            error = $"document larger than {MaxDocumentBytes} bytes";
            return false;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(body.Length);
        try
        {
            body.CopyTo(buffer);
            using var reader = XmlInput.Create(new MemoryStream(buffer, 0, body.Length, writable: false));
            if (!XmlInput.TryMoveToRoot(reader, body, out error))
                return false;
            return kind == DocumentKind.Pidf
                ? PidfParser.TryParse(reader, out state, out error)
                : DialogInfoParser.TryParse(reader, out state, out error);
        }
        catch (XmlException ex)
        {
            error = XmlInput.Describe(ex);
            return false;
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or InvalidOperationException)
        {
            // The reader reports bad XML, unknown encodings and undecodable bytes as XmlException; these are the
            // other failures its documentation admits, caught so that no input can take the caller down.
            error = "unreadable document";
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private enum DocumentKind { None, Pidf, DialogInfo }

    private static DocumentKind KindOf(string? contentType) =>
        string.Equals(contentType, PidfContentType, StringComparison.OrdinalIgnoreCase) ? DocumentKind.Pidf
        : string.Equals(contentType, DialogInfoContentType, StringComparison.OrdinalIgnoreCase) ? DocumentKind.DialogInfo
        : DocumentKind.None;
}
