using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Presence.Sip.Headers;

public enum UriScheme : byte
{
    Sip,
    Sips,
    Tel,
    /// <summary>Any other absolute URI (RFC 3261 §19.1.1 allows them in Contact, for example mailto: or http:).</summary>
    Other,
}

/// <summary>
/// A SIP or SIPS URI (RFC 3261 §19.1), a tel URI (RFC 3966), or another absolute URI kept opaque.
/// Immutable: the With… methods return changed copies.
/// </summary>
public sealed class SipUri
{
    private SipUri(UriScheme scheme, string schemeText)
    {
        Scheme = scheme;
        SchemeText = schemeText;
    }

    public UriScheme Scheme { get; }

    /// <summary>The scheme as text, lower case ("sip", "tel", "mailto").</summary>
    public string SchemeText { get; }

    /// <summary>The user part (SIP) or the telephone number (tel), still %-escaped as written; null if none.</summary>
    public string? User { get; private init; }

    public string? Password { get; private init; }

    /// <summary>Host name, IPv4 address, or IPv6 address without brackets; empty for tel and other URIs.</summary>
    public string Host { get; private init; } = string.Empty;

    public bool HostIsIPv6 { get; private init; }

    /// <summary>The port, or null when the URI names none (the default of the transport applies).</summary>
    public int? Port { get; private init; }

    public SipParameters Parameters { get; private init; } = new();

    /// <summary>The ?name=value headers of a SIP URI, in order, still escaped.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; private init; } = [];

    /// <summary>For <see cref="UriScheme.Other"/>: everything after the colon.</summary>
    public string Opaque { get; private init; } = string.Empty;

    public bool IsSip => Scheme is UriScheme.Sip or UriScheme.Sips;

    /// <summary>The host as it appears in the URI (IPv6 in brackets).</summary>
    public string HostReference => HostIsIPv6 ? "[" + Host + "]" : Host;

    public static SipUri Parse(string text) =>
        TryParse(text, out var uri, out string error) ? uri! : throw new FormatException($"Invalid URI '{text}': {error}");

    public static bool TryParse(ReadOnlySpan<char> text, out SipUri? uri, out string error)
    {
        uri = null;
        error = string.Empty;
        text = text.Trim(" \t");
        int colon = text.IndexOf(':');
        if (colon <= 0)
        {
            error = "missing URI scheme";
            return false;
        }
        ReadOnlySpan<char> scheme = text[..colon];
        if (!char.IsAsciiLetter(scheme[0]))
        {
            error = "malformed URI scheme";
            return false;
        }
        foreach (char c in scheme)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                error = "malformed URI scheme";
                return false;
            }
        }
        foreach (char c in text)
        {
            if (c <= ' ' || c == 127 || c is '<' or '>' or '"')
            {
                error = "bad character in URI";
                return false;
            }
        }
        ReadOnlySpan<char> rest = text[(colon + 1)..];
        if (scheme.Equals("sip", StringComparison.OrdinalIgnoreCase))
            return TryParseSip(UriScheme.Sip, "sip", rest, out uri, out error);
        if (scheme.Equals("sips", StringComparison.OrdinalIgnoreCase))
            return TryParseSip(UriScheme.Sips, "sips", rest, out uri, out error);
        if (scheme.Equals("tel", StringComparison.OrdinalIgnoreCase))
            return TryParseTel(rest, out uri, out error);
        if (rest.IsEmpty)
        {
            error = "empty URI";
            return false;
        }
        uri = new SipUri(UriScheme.Other, scheme.ToString().ToLowerInvariant()) { Opaque = rest.ToString() };
        return true;
    }

    private static bool TryParseSip(UriScheme scheme, string schemeText, ReadOnlySpan<char> rest, out SipUri? uri, out string error)
    {
        uri = null;
        string? user = null, password = null;
        // '@' cannot appear unescaped in host, parameters or headers, so the first one ends userinfo.
        int at = rest.IndexOf('@');
        if (at >= 0)
        {
            ReadOnlySpan<char> userInfo = rest[..at];
            int pw = userInfo.IndexOf(':');
            ReadOnlySpan<char> userPart = pw >= 0 ? userInfo[..pw] : userInfo;
            if (userPart.IsEmpty)
            {
                error = "empty user part";
                return false;
            }
            if (!IsEscapedValid(userInfo))
            {
                error = "bad escape in user part";
                return false;
            }
            user = userPart.ToString();
            password = pw >= 0 ? userInfo[(pw + 1)..].ToString() : null;
            rest = rest[(at + 1)..];
        }

        int hostEnd = rest.IndexOfAny(";?");
        ReadOnlySpan<char> hostPort = hostEnd < 0 ? rest : rest[..hostEnd];
        if (!TryParseHostPort(hostPort, out string host, out bool ipv6, out int? port, out error))
            return false;

        var parameters = new SipParameters();
        var headers = new List<KeyValuePair<string, string>>();
        if (hostEnd >= 0)
        {
            ReadOnlySpan<char> tail = rest[hostEnd..];
            int question = tail.IndexOf('?');
            ReadOnlySpan<char> paramText = question < 0 ? tail : tail[..question];
            if (!TryParseUriParameters(paramText, parameters, out error))
                return false;
            if (question >= 0 && !TryParseUriHeaders(tail[(question + 1)..], headers, out error))
                return false;
        }
        uri = new SipUri(scheme, schemeText)
        {
            User = user, Password = password, Host = host, HostIsIPv6 = ipv6, Port = port,
            Parameters = parameters, Headers = headers,
        };
        return true;
    }

    private static bool TryParseTel(ReadOnlySpan<char> rest, out SipUri? uri, out string error)
    {
        uri = null;
        // RFC 3966 §3: telephone-subscriber = global-number / local-number, then ;params.
        int semi = rest.IndexOf(';');
        ReadOnlySpan<char> number = semi < 0 ? rest : rest[..semi];
        if (number.IsEmpty)
        {
            error = "empty telephone number";
            return false;
        }
        foreach (char c in number)
        {
            if (!char.IsAsciiHexDigit(c) && c is not ('+' or '-' or '.' or '(' or ')' or '*' or '#'))
            {
                error = "bad character in telephone number";
                return false;
            }
        }
        var parameters = new SipParameters();
        if (semi >= 0 && !TryParseUriParameters(rest[semi..], parameters, out error))
            return false;
        uri = new SipUri(UriScheme.Tel, "tel") { User = number.ToString(), Parameters = parameters };
        error = string.Empty;
        return true;
    }

    internal static bool TryParseHostPort(ReadOnlySpan<char> hostPort, out string host, out bool ipv6, out int? port, out string error)
    {
        host = string.Empty;
        ipv6 = false;
        port = null;
        error = string.Empty;
        ReadOnlySpan<char> hostText;
        ReadOnlySpan<char> portText = default;
        if (hostPort.StartsWith('['))
        {
            int close = hostPort.IndexOf(']');
            if (close < 0)
            {
                error = "unterminated IPv6 reference";
                return false;
            }
            hostText = hostPort[1..close];
            if (!IPAddress.TryParse(hostText, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = "malformed IPv6 reference";
                return false;
            }
            ipv6 = true;
            ReadOnlySpan<char> after = hostPort[(close + 1)..];
            if (!after.IsEmpty)
            {
                if (after[0] != ':')
                {
                    error = "junk after IPv6 reference";
                    return false;
                }
                portText = after[1..];
                if (portText.IsEmpty)
                {
                    error = "empty port";
                    return false;
                }
            }
        }
        else
        {
            int colon = hostPort.IndexOf(':');
            hostText = colon < 0 ? hostPort : hostPort[..colon];
            if (colon >= 0)
            {
                portText = hostPort[(colon + 1)..];
                if (portText.IsEmpty)
                {
                    error = "empty port";
                    return false;
                }
            }
            if (!IsHostName(hostText))
            {
                error = hostText.IsEmpty ? "empty host" : "malformed host";
                return false;
            }
        }
        if (!portText.IsEmpty)
        {
            if (portText.Length > 5 || !int.TryParse(portText, System.Globalization.NumberStyles.None, null, out int p) || p > 65535)
            {
                error = "malformed port";
                return false;
            }
            port = p;
        }
        host = hostText.ToString();
        return true;
    }

    // RFC 3261 §25.1: hostname = *( domainlabel "." ) toplabel [ "." ]; IPv4 addresses fit the same shape.
    private static bool IsHostName(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty || host.Length > 255 || host[0] is '-' or '.')
            return false;
        foreach (char c in host)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.' or '_'))
                return false;
        }
        return !host.Contains("..", StringComparison.Ordinal);
    }

    private static bool TryParseUriParameters(ReadOnlySpan<char> text, SipParameters into, out string error)
    {
        error = string.Empty;
        // text is ";a=b;c" (RFC 3261 §19.1.1 uri-parameters).
        while (!text.IsEmpty)
        {
            text = text[1..];
            int next = text.IndexOf(';');
            ReadOnlySpan<char> item = next < 0 ? text : text[..next];
            text = next < 0 ? default : text[next..];
            int eq = item.IndexOf('=');
            ReadOnlySpan<char> name = eq < 0 ? item : item[..eq];
            if (name.IsEmpty || !IsEscapedValid(name))
            {
                error = "malformed URI parameter";
                return false;
            }
            string nameText = name.ToString();
            if (into.Contains(nameText))
            {
                error = $"duplicate URI parameter '{nameText}'";
                return false;
            }
            if (eq >= 0 && (eq == item.Length - 1 || !IsEscapedValid(item[(eq + 1)..])))
            {
                error = $"malformed value of URI parameter '{nameText}'";
                return false;
            }
            into.Set(nameText, eq < 0 ? null : item[(eq + 1)..].ToString());
        }
        return true;
    }

    private static bool TryParseUriHeaders(ReadOnlySpan<char> text, List<KeyValuePair<string, string>> into, out string error)
    {
        error = string.Empty;
        foreach (Range r in text.Split('&'))
        {
            ReadOnlySpan<char> item = text[r];
            int eq = item.IndexOf('=');
            if (eq <= 0 || !IsEscapedValid(item))
            {
                error = "malformed URI header";
                return false;
            }
            into.Add(new(item[..eq].ToString(), item[(eq + 1)..].ToString()));
        }
        return true;
    }

    private static bool IsEscapedValid(ReadOnlySpan<char> s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '%' && (i + 2 >= s.Length || !char.IsAsciiHexDigit(s[i + 1]) || !char.IsAsciiHexDigit(s[i + 2])))
                return false;
        }
        return true;
    }

    public SipUri WithParameter(string name, string? value)
    {
        var copy = Copy();
        copy.Parameters.Set(name, value);
        return copy;
    }

    public SipUri WithoutParameter(string name)
    {
        var copy = Copy();
        copy.Parameters.Remove(name);
        return copy;
    }

    /// <summary>
    /// The address of record this URI names: scheme, user and host only, host in lower case
    /// (RFC 3261 §10.3 step 5: the To URI with parameters, port and headers stripped), and the user with only its
    /// unreserved characters unescaped (<see cref="UriEscaping.CanonicalUser"/>), so that it is still a URI.
    /// </summary>
    public string ToAor() => Scheme switch
    {
        UriScheme.Sip or UriScheme.Sips =>
            $"{SchemeText}:{(User is null ? string.Empty : UriEscaping.CanonicalUser(User) + "@")}{HostReference.ToLowerInvariant()}",
        UriScheme.Tel => "tel:" + User,
        _ => ToString(),
    };

    public override string ToString()
    {
        var b = new StringBuilder(64);
        b.Append(SchemeText).Append(':');
        if (Scheme == UriScheme.Other)
            return b.Append(Opaque).ToString();
        if (Scheme == UriScheme.Tel)
        {
            b.Append(User);
            AppendUriParameters(b);
            return b.ToString();
        }
        if (User is not null)
        {
            b.Append(User);
            if (Password is not null)
                b.Append(':').Append(Password);
            b.Append('@');
        }
        b.Append(HostReference);
        if (Port is int port)
            b.Append(':').Append(port);
        AppendUriParameters(b);
        for (int i = 0; i < Headers.Count; i++)
            b.Append(i == 0 ? '?' : '&').Append(Headers[i].Key).Append('=').Append(Headers[i].Value);
        return b.ToString();
    }

    /// <summary>
    /// URI equality of RFC 3261 §19.1.4: scheme, user and password compared exactly after unescaping, host
    /// case-insensitively, ports must both be absent or equal, and the user, ttl, method, maddr and
    /// transport parameters must agree when either side has them; other parameters only when both do.
    /// Headers are never ignored: each must be in both URIs (in any order), names case-insensitively and
    /// values exactly after unescaping.
    /// </summary>
    public bool EquivalentTo(SipUri other)
    {
        if (Scheme != other.Scheme || !string.Equals(SchemeText, other.SchemeText, StringComparison.Ordinal))
            return false;
        if (Scheme == UriScheme.Other)
            return string.Equals(Opaque, other.Opaque, StringComparison.Ordinal);
        if (!string.Equals(Unescape(User), Unescape(other.User), StringComparison.Ordinal)
            || !string.Equals(Unescape(Password), Unescape(other.Password), StringComparison.Ordinal)
            || !string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase)
            || Port != other.Port)
            return false;
        foreach (string name in (ReadOnlySpan<string>)["user", "ttl", "method", "maddr", "transport"])
        {
            if (!string.Equals(Parameters[name], other.Parameters[name], StringComparison.OrdinalIgnoreCase)
                || Parameters.Contains(name) != other.Parameters.Contains(name))
                return false;
        }
        foreach (var p in Parameters.Items)
        {
            if (other.Parameters.Contains(p.Name)
                && !string.Equals(p.Value, other.Parameters[p.Name], StringComparison.OrdinalIgnoreCase))
                return false;
        }
        return ContainsAllHeaders(Headers, other.Headers) && ContainsAllHeaders(other.Headers, Headers);
    }

    private static bool ContainsAllHeaders(
        IReadOnlyList<KeyValuePair<string, string>> these, IReadOnlyList<KeyValuePair<string, string>> those)
    {
        foreach (var h in these)
        {
            bool found = false;
            foreach (var o in those)
            {
                if (string.Equals(Unescape(h.Key), Unescape(o.Key), StringComparison.OrdinalIgnoreCase)
                    && string.Equals(Unescape(h.Value), Unescape(o.Value), StringComparison.Ordinal))
                {
                    found = true;
                    break;
                }
            }
            if (!found)
                return false;
        }
        return true;
    }

    private void AppendUriParameters(StringBuilder b)
    {
        foreach (var p in Parameters.Items)
        {
            b.Append(';').Append(p.Name);
            if (p.Value is not null)
                b.Append('=').Append(p.Value);
        }
    }

    private SipUri Copy() => new(Scheme, SchemeText)
    {
        User = User, Password = Password, Host = Host, HostIsIPv6 = HostIsIPv6, Port = Port,
        Parameters = Parameters.Clone(), Headers = Headers, Opaque = Opaque,
    };

    private static string? Unescape(string? s) =>
        s is null || !s.Contains('%') ? s : Uri.UnescapeDataString(s);
}
