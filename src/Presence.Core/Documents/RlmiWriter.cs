using System.Globalization;
using System.Text;

namespace Presence.Core.Documents;

/// <summary>
/// One resource of a list notification: its URI and name, the one instance (our back-end subscription to it) with
/// its state (active, pending or terminated, RFC 4662 §5.2) and, when active, the PIDF document that instance carries.
/// </summary>
public sealed record RlmiResource(
    string Uri, string? Name, string InstanceId, string State, string? Reason, byte[]? Document, string DocumentType = PidfWriter.ContentType);

/// <summary>
/// Writes a resource list notification (RFC 4662 §5): a <c>multipart/related</c> body (RFC 2387) whose root part is
/// the RLMI document (<c>application/rlmi+xml</c>) and whose other parts are the resources' PIDF documents, each
/// named from its instance's <c>cid</c>. <c>fullState</c> says whether the document lists every resource or only
/// those that changed; the version starts at 0 and rises by one per notification of a subscription (RFC 4662 §5.2).
/// </summary>
public static class RlmiWriter
{
    public const string RlmiContentType = "application/rlmi+xml";
    public const string Namespace = "urn:ietf:params:xml:ns:rlmi";

    /// <returns>The Content-Type of the NOTIFY (with its boundary and root part) and the body.</returns>
    public static (string ContentType, byte[] Body) Write(
        string listUri, string? listName, long version, bool fullState, IReadOnlyList<RlmiResource> resources, string host,
        bool bracketContentIds = true)
    {
        string v = version.ToString(CultureInfo.InvariantCulture);
        string boundary = "rlmi-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        string rootId = $"list.{v}@{host}";

        var rlmi = new StringBuilder(256 + 160 * resources.Count);
        rlmi.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n");
        rlmi.Append("<list xmlns=\"").Append(Namespace).Append("\" uri=\"").Append(Escape(listUri))
            .Append("\" version=\"").Append(v).Append("\" fullState=\"").Append(fullState ? "true" : "false").Append("\">\r\n");
        if (!string.IsNullOrEmpty(listName))
            rlmi.Append("<name>").Append(Escape(listName)).Append("</name>\r\n");
        foreach (var r in resources)
        {
            // One line per resource, without indentation: a 600-member list's full state is most of a datagram.
            rlmi.Append("<resource uri=\"").Append(Escape(r.Uri)).Append("\">");
            if (!string.IsNullOrEmpty(r.Name))
                rlmi.Append("<name>").Append(Escape(r.Name)).Append("</name>");
            rlmi.Append("<instance id=\"").Append(Escape(r.InstanceId)).Append("\" state=\"").Append(r.State).Append('"');
            if (r.Reason is { } reason)
                rlmi.Append(" reason=\"").Append(Escape(reason)).Append('"');
            if (r.Document is { Length: > 0 })
                rlmi.Append(" cid=\"").Append(Escape(PartId(r, v, host))).Append('"');
            rlmi.Append("/></resource>\r\n");
        }
        rlmi.Append("</list>\r\n");

        using var body = new MemoryStream(512 + resources.Sum(r => r.Document?.Length ?? 0));
        WritePart(body, boundary, rootId, RlmiContentType + ";charset=\"UTF-8\"", Encoding.UTF8.GetBytes(rlmi.ToString()), bracketContentIds);
        foreach (var r in resources)
        {
            if (r.Document is { Length: > 0 } document)
                WritePart(body, boundary, PartId(r, v, host), r.DocumentType + ";charset=\"UTF-8\"", document, bracketContentIds);
        }
        Ascii(body, "--" + boundary + "--\r\n");
        // The boundary is a token, written without quotes: belle-sip (liblinphone) takes quotes for part of it.
        string contentType = $"multipart/related;type=\"{RlmiContentType}\";start=\"<{rootId}>\";boundary={boundary}";
        return (contentType, body.ToArray());
    }

    /// <summary>About what the multipart framing and the RLMI root cost besides the resources (for a NOTIFY's budget).</summary>
    public const int Overhead = 600;

    /// <summary>About what a document's part costs besides the document (its delimiter and headers, and its cid in the RLMI).</summary>
    public const int PartOverhead = 200;

    /// <summary>About what a resource without a document costs in the RLMI (for a NOTIFY's budget).</summary>
    public static int SizeOf(RlmiResource r) =>
        62 + Encoding.UTF8.GetByteCount(r.Uri) + r.InstanceId.Length + r.State.Length
        + (r.Reason is null ? 0 : r.Reason.Length + 10) + (r.Name is null ? 0 : Encoding.UTF8.GetByteCount(r.Name) + 13);

    private static string PartId(RlmiResource r, string version, string host) => $"{r.InstanceId}.{version}@{host}";

    // RFC 2045 §7: a Content-ID is in angle brackets; liblinphone before 5.4 matches cids only without them.
    private static void WritePart(MemoryStream body, string boundary, string contentId, string contentType, byte[] content, bool brackets)
    {
        Ascii(body, "--" + boundary + "\r\n");
        Ascii(body, "Content-Transfer-Encoding: binary\r\n");
        // (It also looks the header up by the exact name "Content-Id", which header names being case-insensitive allows.)
        Ascii(body, brackets ? "Content-ID: <" + contentId + ">\r\n" : "Content-Id: " + contentId + "\r\n");
        Ascii(body, "Content-Type: " + contentType + "\r\n\r\n");
        body.Write(content);
        Ascii(body, "\r\n");
    }

    private static void Ascii(MemoryStream body, string text) => body.Write(Encoding.ASCII.GetBytes(text));

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? string.Empty;
}
