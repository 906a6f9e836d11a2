using System.IO.Compression;
using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Sip.Message;

namespace Presence.Server.Sip.Handlers;

/// <summary>
/// The resource list a SUBSCRIBE carries in its body (RFC 5367 §4: <c>application/resource-lists+xml</c>, what
/// liblinphone sends to its RLS URI), possibly compressed (<c>Content-Encoding: deflate</c> or <c>gzip</c>; inflated
/// to at most <see cref="MaxInflated"/> bytes, so a small bomb cannot take the memory).
/// </summary>
internal static class ContainedList
{
    public const int MaxInflated = 1 << 20;

    /// <summary>True when the request carries a resource list at all (then <paramref name="entries"/> or <paramref name="error"/> says what).</summary>
    public static bool TryRead(SipMessage request, out List<ListEntry>? entries, out string error)
    {
        entries = null;
        error = string.Empty;
        if (request.Body.Length == 0
            || !string.Equals(request.GetContentType()?.Name, ResourceListsXml.ContentType, StringComparison.OrdinalIgnoreCase))
            return false;
        byte[] body = request.Body.ToArray();
        string encoding = string.Join(",", request.GetValues(HeaderId.ContentEncoding)).Trim().ToLowerInvariant();
        if (encoding is "deflate" or "gzip")
        {
            if (Inflate(body, encoding == "gzip") is not { } inflated)
            {
                error = $"the {encoding} body could not be inflated (or is over {MaxInflated} bytes)";
                return true;
            }
            body = inflated;
        }
        else if (encoding is not ("" or "identity"))
        {
            error = $"Content-Encoding {encoding} is not supported";
            return true;
        }
        if (!ResourceListsXml.TryRead(body, out _, out var read, out error))
            return true;
        entries = read;
        return true;
    }

    // "deflate" is zlib (RFC 1950) in SIP as in HTTP; some senders use the raw stream (RFC 1951): both are read.
    private static byte[]? Inflate(byte[] body, bool gzip)
    {
        if (gzip)
            return Read(new GZipStream(new MemoryStream(body), CompressionMode.Decompress));
        return Read(new ZLibStream(new MemoryStream(body), CompressionMode.Decompress))
            ?? Read(new DeflateStream(new MemoryStream(body), CompressionMode.Decompress));
    }

    private static byte[]? Read(Stream stream)
    {
        using (stream)
        {
            try
            {
                using var output = new MemoryStream();
                byte[] buffer = new byte[8192];
                int n;
                while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    if (output.Length + n > MaxInflated)
                        return null;
                    output.Write(buffer, 0, n);
                }
                return output.ToArray();
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }
    }
}
