using System.Text;
using System.Xml.Linq;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// A resource list NOTIFY (RFC 4662 §5) taken apart independently of the server's writer: the multipart/related
/// body split at its boundary (RFC 2046 §5.1.1), the root part named by start= read as RLMI, and each resource's
/// PIDF part found through its instance's cid.
/// </summary>
public sealed class ListNotification
{
    private static readonly XNamespace Rlmi = "urn:ietf:params:xml:ns:rlmi";

    public required string SubscriptionState { get; init; }

    public required long Version { get; init; }

    public required bool FullState { get; init; }

    public required string ListUri { get; init; }

    public required IReadOnlyList<Resource> Resources { get; init; }

    /// <param name="Pidf">The member's document: PIDF for presence lists, dialog-info for busy-lamp lists (Event: dialog).</param>
    public sealed record Resource(string Uri, string? Name, string State, string? Reason, string? Pidf)
    {
        /// <summary>The states of a dialog-info document's dialogs, in order ("" when it has none).</summary>
        public string DialogStates => Pidf is null ? "-" : string.Join(",",
            System.Text.RegularExpressions.Regex.Matches(Pidf, "<state[^>]*>([a-z]+)</state>").Select(m => m.Groups[1].Value));

        /// <summary>The PIDF's extended status (our extension element), or "-" without a document.</summary>
        public string Extended => Pidf is null ? "-" : Between(Pidf, "extended>", "<") ?? "-";

        public string? Basic => Pidf is null ? null : Between(Pidf, "basic>", "<");

        private static string? Between(string text, string after, string before)
        {
            int start = text.IndexOf(after, StringComparison.Ordinal);
            if (start < 0)
                return null;
            start += after.Length;
            return text[start..text.IndexOf(before, start, StringComparison.Ordinal)];
        }
    }

    public Resource this[string uri] => Resources.Single(r => r.Uri == uri);

    public static ListNotification Parse(SipMessage notify)
    {
        string contentType = notify.GetFirst(HeaderId.ContentType) ?? throw new InvalidOperationException("A list NOTIFY without Content-Type.");
        if (!contentType.StartsWith("multipart/related", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("Not multipart/related: " + contentType);
        string boundary = Parameter(contentType, "boundary") ?? throw new InvalidOperationException("No boundary: " + contentType);
        string start = Parameter(contentType, "start") ?? throw new InvalidOperationException("No start: " + contentType);
        if (!string.Equals(Parameter(contentType, "type"), "application/rlmi+xml", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("The root type is not RLMI: " + contentType);

        var parts = new Dictionary<string, (string Type, string Body)>(StringComparer.Ordinal);
        string body = Encoding.UTF8.GetString(notify.Body.Span);
        string delimiter = "--" + boundary;
        string[] pieces = body.Split(delimiter);
        if (!pieces[^1].StartsWith("--", StringComparison.Ordinal))
            throw new InvalidOperationException("The body does not end with the closing delimiter.");
        foreach (string piece in pieces[1..^1])
        {
            string part = piece.StartsWith("\r\n", StringComparison.Ordinal) ? piece[2..] : throw new InvalidOperationException("A delimiter not followed by CRLF.");
            int split = part.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            string headers = part[..split];
            string content = part[(split + 4)..];
            if (content.EndsWith("\r\n", StringComparison.Ordinal))
                content = content[..^2];
            string? id = null, type = null;
            foreach (string line in headers.Split("\r\n"))
            {
                int colon = line.IndexOf(':');
                string name = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
                if (name.Equals("Content-ID", StringComparison.OrdinalIgnoreCase))
                    id = value;
                else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                    type = value;
            }
            parts[id ?? throw new InvalidOperationException("A part without Content-ID.")] = (type ?? string.Empty, content);
        }
        var root = parts[start];
        if (!root.Type.StartsWith("application/rlmi+xml", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("The start part is not RLMI: " + root.Type);
        var list = XDocument.Parse(root.Body).Root!;
        if (list.Name != Rlmi + "list")
            throw new InvalidOperationException("The RLMI root is " + list.Name);
        var resources = new List<Resource>();
        foreach (var r in list.Elements(Rlmi + "resource"))
        {
            var instance = r.Element(Rlmi + "instance");
            string? pidf = null;
            if (instance?.Attribute("cid")?.Value is { } cid)
            {
                var part = parts["<" + cid + ">"];
                if (!part.Type.StartsWith("application/pidf+xml", StringComparison.OrdinalIgnoreCase)
                    && !part.Type.StartsWith("application/dialog-info+xml", StringComparison.OrdinalIgnoreCase))
                    throw new InvalidOperationException("A resource part is " + part.Type);
                pidf = part.Body;
            }
            resources.Add(new Resource(r.Attribute("uri")!.Value, r.Element(Rlmi + "name")?.Value,
                instance?.Attribute("state")?.Value ?? "none", instance?.Attribute("reason")?.Value, pidf));
        }
        return new ListNotification
        {
            SubscriptionState = notify.GetFirst(HeaderId.SubscriptionState) ?? string.Empty,
            Version = long.Parse(list.Attribute("version")!.Value, System.Globalization.CultureInfo.InvariantCulture),
            FullState = list.Attribute("fullState")!.Value == "true",
            ListUri = list.Attribute("uri")!.Value,
            Resources = resources,
        };
    }

    private static string? Parameter(string header, string name)
    {
        foreach (string piece in header.Split(';').Skip(1))
        {
            int eq = piece.IndexOf('=');
            if (eq > 0 && piece[..eq].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                return piece[(eq + 1)..].Trim().Trim('"');
        }
        return null;
    }
}
