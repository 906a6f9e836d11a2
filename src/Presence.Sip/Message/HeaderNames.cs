using System.Text;

namespace Presence.Sip.Message;

/// <summary>
/// Canonical spellings, compact forms (RFC 3261 §7.3.3, RFC 3265 §7.2, RFC 3515) and a byte-level lookup
/// that recognises a header name without allocating.
/// </summary>
public static class HeaderNames
{
    private static readonly string[] Canonical = new string[byte.MaxValue + 1];
    private static readonly byte[][] CanonicalUtf8 = new byte[byte.MaxValue + 1][];

    // Names grouped by length, so a lookup compares against a handful of candidates at most.
    private static readonly (byte[] Name, HeaderId Id)[][] ByLength;

    private static readonly HeaderId[] Compact = new HeaderId[128];

    static HeaderNames()
    {
        var all = new (string Name, HeaderId Id)[]
        {
            ("Via", HeaderId.Via), ("From", HeaderId.From), ("To", HeaderId.To), ("Call-ID", HeaderId.CallId),
            ("CSeq", HeaderId.CSeq), ("Contact", HeaderId.Contact), ("Max-Forwards", HeaderId.MaxForwards),
            ("Expires", HeaderId.Expires), ("Min-Expires", HeaderId.MinExpires), ("Event", HeaderId.Event),
            ("Allow-Events", HeaderId.AllowEvents), ("Subscription-State", HeaderId.SubscriptionState),
            ("SIP-ETag", HeaderId.SipETag), ("SIP-If-Match", HeaderId.SipIfMatch),
            ("Content-Type", HeaderId.ContentType), ("Content-Length", HeaderId.ContentLength),
            ("Content-Encoding", HeaderId.ContentEncoding), ("Content-Disposition", HeaderId.ContentDisposition),
            ("Route", HeaderId.Route), ("Record-Route", HeaderId.RecordRoute), ("Path", HeaderId.Path),
            ("Supported", HeaderId.Supported), ("Require", HeaderId.Require), ("Proxy-Require", HeaderId.ProxyRequire),
            ("Unsupported", HeaderId.Unsupported), ("Authorization", HeaderId.Authorization),
            ("WWW-Authenticate", HeaderId.WwwAuthenticate), ("Proxy-Authenticate", HeaderId.ProxyAuthenticate),
            ("Proxy-Authorization", HeaderId.ProxyAuthorization), ("Authentication-Info", HeaderId.AuthenticationInfo),
            ("Warning", HeaderId.Warning), ("Reason", HeaderId.Reason), ("Retry-After", HeaderId.RetryAfter),
            ("User-Agent", HeaderId.UserAgent), ("Server", HeaderId.Server), ("Allow", HeaderId.Allow),
            ("Accept", HeaderId.Accept), ("Accept-Encoding", HeaderId.AcceptEncoding),
            ("Accept-Language", HeaderId.AcceptLanguage), ("Timestamp", HeaderId.Timestamp), ("Date", HeaderId.Date),
            ("Subject", HeaderId.Subject), ("Refer-To", HeaderId.ReferTo), ("Priority", HeaderId.Priority),
            ("Organization", HeaderId.Organization), ("MIME-Version", HeaderId.MimeVersion), ("Flow", HeaderId.Flow),
        };
        int maxLength = all.Max(h => h.Name.Length);
        var groups = new List<(byte[], HeaderId)>[maxLength + 1];
        foreach (var (name, id) in all)
        {
            Canonical[(int)id] = name;
            CanonicalUtf8[(int)id] = Encoding.ASCII.GetBytes(name);
            (groups[name.Length] ??= []).Add((Encoding.ASCII.GetBytes(name), id));
        }
        ByLength = groups.Select(g => g?.ToArray() ?? []).ToArray();

        void C(char c, HeaderId id) => Compact[c] = id;
        C('v', HeaderId.Via); C('f', HeaderId.From); C('t', HeaderId.To); C('i', HeaderId.CallId);
        C('m', HeaderId.Contact); C('l', HeaderId.ContentLength); C('c', HeaderId.ContentType);
        C('o', HeaderId.Event); C('u', HeaderId.AllowEvents); C('k', HeaderId.Supported);
        C('s', HeaderId.Subject); C('e', HeaderId.ContentEncoding); C('r', HeaderId.ReferTo);
    }

    /// <summary>The canonical spelling of a known header (for example "Call-ID").</summary>
    public static string GetName(HeaderId id) =>
        id == HeaderId.Unknown ? throw new ArgumentException("Unknown has no name.", nameof(id)) : Canonical[(int)id];

    internal static ReadOnlySpan<byte> GetNameUtf8(HeaderId id) => CanonicalUtf8[(int)id];

    /// <summary>Recognises a header name (long or compact form, any letter case).</summary>
    public static HeaderId Lookup(ReadOnlySpan<byte> name)
    {
        if (name.Length == 1)
        {
            int c = name[0] | 0x20;
            return c < 128 ? Compact[c] : HeaderId.Unknown;
        }
        if (name.Length >= ByLength.Length)
            return HeaderId.Unknown;
        foreach (var (candidate, id) in ByLength[name.Length])
        {
            if (System.Text.Ascii.EqualsIgnoreCase(name, candidate))
                return id;
        }
        return HeaderId.Unknown;
    }

    /// <summary>Recognises a header name given as text.</summary>
    public static HeaderId Lookup(string name)
    {
        Span<byte> buffer = stackalloc byte[64];
        if (name.Length > buffer.Length || !System.Text.Ascii.IsValid(name))
            return HeaderId.Unknown;
        int n = Encoding.ASCII.GetBytes(name, buffer);
        return Lookup(buffer[..n]);
    }
}
