using System.Text;

namespace Presence.Sip.Headers;

/// <summary>
/// The value of From, To, Contact, Route, Record-Route and Path (RFC 3261 §20.10, §25.1):
/// an optional display name, a URI, and header parameters (tag, expires, q, …).
/// </summary>
public sealed class NameAddress
{
    public NameAddress(SipUri uri, string? displayName = null, SipParameters? parameters = null)
    {
        Uri = uri;
        DisplayName = displayName;
        Parameters = parameters ?? new SipParameters();
    }

    /// <summary>The display name, unquoted; null when there is none.</summary>
    public string? DisplayName { get; }

    public SipUri Uri { get; }

    public SipParameters Parameters { get; }

    /// <summary>The tag parameter of From and To (RFC 3261 §19.3).</summary>
    public string? Tag => Parameters["tag"];

    public static NameAddress Parse(string text) =>
        TryParse(text, out var value, out string error) ? value! : throw new FormatException(error);

    public static bool TryParse(string text, out NameAddress? value, out string error)
    {
        var scanner = new SipScanner(text);
        if (!TryRead(ref scanner, out value, out error))
            return false;
        scanner.SkipWhiteSpace();
        if (!scanner.AtEnd)
        {
            value = null;
            error = "unexpected text after address";
            return false;
        }
        return true;
    }

    /// <summary>Reads one name-addr or addr-spec with its parameters; stops before a list comma.</summary>
    internal static bool TryRead(ref SipScanner scanner, out NameAddress? value, out string error)
    {
        value = null;
        scanner.SkipWhiteSpace();
        string? displayName = null;
        SipUri? uri;
        bool bracketed;

        if (scanner.Peek == '"')
        {
            if (!scanner.TryReadQuoted(out string quoted))
            {
                error = "unterminated display name";
                return false;
            }
            displayName = quoted;
            scanner.SkipWhiteSpace();
            if (scanner.Peek != '<')
            {
                error = "expected '<' after display name";
                return false;
            }
        }

        ReadOnlySpan<char> rest = scanner.Rest;
        int angle = rest.IndexOf('<');
        int stop = rest.IndexOfAny(";,");
        // name-addr when a '<' comes before any ';' or ',' (a display name made of tokens may precede it).
        bracketed = angle >= 0 && (stop < 0 || angle < stop);
        if (bracketed)
        {
            if (displayName is null && angle > 0)
            {
                ReadOnlySpan<char> tokens = rest[..angle].Trim(" \t");
                foreach (char c in tokens)
                {
                    if (!SipScanner.IsTokenChar(c) && c is not (' ' or '\t'))
                    {
                        error = "malformed display name";
                        return false;
                    }
                }
                displayName = tokens.IsEmpty ? null : tokens.ToString();
            }
            int close = rest.IndexOf('>');
            if (close < angle)
            {
                error = "missing '>'";
                return false;
            }
            if (!SipUri.TryParse(rest[(angle + 1)..close], out uri, out error))
                return false;
            scanner.Advance(close + 1);
        }
        else
        {
            // addr-spec: the URI ends at the first ';' (those parameters belong to the header, RFC 3261 §20)
            // or ',' or white space.
            ReadOnlySpan<char> spec = scanner.ReadUntil(";, \t");
            if (spec.IsEmpty)
            {
                error = "missing URI";
                return false;
            }
            if (!SipUri.TryParse(spec, out uri, out error))
                return false;
        }

        var parameters = new SipParameters();
        if (!SipParameters.TryRead(ref scanner, parameters, out error))
            return false;
        value = new NameAddress(uri!, displayName, parameters);
        return true;
    }

    public NameAddress WithTag(string tag)
    {
        var parameters = Parameters.Clone();
        parameters.Set("tag", tag);
        return new NameAddress(Uri, DisplayName, parameters);
    }

    public override string ToString()
    {
        var b = new StringBuilder(96);
        if (!string.IsNullOrEmpty(DisplayName))
        {
            SipParameter.AppendQuoted(b, DisplayName);
            b.Append(' ');
        }
        b.Append('<').Append(Uri.ToString()).Append('>');
        Parameters.AppendTo(b);
        return b.ToString();
    }
}
