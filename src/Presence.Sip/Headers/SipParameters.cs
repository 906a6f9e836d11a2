using System.Text;

namespace Presence.Sip.Headers;

/// <summary>One ";name=value" parameter. <see cref="Value"/> is null for a flag such as ";lr" or ";rport".</summary>
public readonly record struct SipParameter(string Name, string? Value, bool Quoted = false)
{
    public void AppendTo(StringBuilder builder)
    {
        builder.Append(';').Append(Name);
        if (Value is null)
            return;
        builder.Append('=');
        if (Quoted)
            AppendQuoted(builder, Value);
        else
            builder.Append(Value);
    }

    internal static void AppendQuoted(StringBuilder builder, string text)
    {
        builder.Append('"');
        foreach (char c in text)
        {
            if (c is '"' or '\\')
                builder.Append('\\');
            builder.Append(c);
        }
        builder.Append('"');
    }
}

/// <summary>
/// An ordered list of parameters with case-insensitive names (RFC 3261 §7.3.1, §19.1.1). Order is kept
/// because a proxy must forward what it did not understand exactly as it came.
/// </summary>
public sealed class SipParameters
{
    // gen-value = token / host / quoted-string (RFC 3261 §25.1); host adds the IPv6 reference characters.
    private static readonly System.Buffers.SearchValues<char> ValueChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~[]:");

    private static readonly System.Buffers.SearchValues<char> ValueStops = System.Buffers.SearchValues.Create("; \t,\r\n\"<>");

    private readonly List<SipParameter> _items = new(2);

    public int Count => _items.Count;

    public IReadOnlyList<SipParameter> Items => _items;

    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>The value of a parameter; null when it is absent or a flag (use <see cref="Contains"/>).</summary>
    public string? this[string name] => IndexOf(name) is var i and >= 0 ? _items[i].Value : null;

    public void Set(string name, string? value, bool quoted = false)
    {
        int i = IndexOf(name);
        if (i >= 0)
            _items[i] = new SipParameter(_items[i].Name, value, quoted);
        else
            _items.Add(new SipParameter(name, value, quoted));
    }

    public bool Remove(string name)
    {
        int i = IndexOf(name);
        if (i < 0)
            return false;
        _items.RemoveAt(i);
        return true;
    }

    public SipParameters Clone()
    {
        var copy = new SipParameters();
        copy._items.AddRange(_items);
        return copy;
    }

    public void AppendTo(StringBuilder builder)
    {
        foreach (var p in _items)
            p.AppendTo(builder);
    }

    private int IndexOf(string name)
    {
        for (int i = 0; i < _items.Count; i++)
        {
            if (string.Equals(_items[i].Name, name, StringComparison.OrdinalIgnoreCase))
                return i;
        }
        return -1;
    }

    /// <summary>Reads the parameters that end a header value, and insists nothing follows them.</summary>
    internal static bool TryReadToEnd(ref SipScanner scanner, SipParameters into, string headerName, out string error)
    {
        if (!TryRead(ref scanner, into, out error))
            return false;
        scanner.SkipWhiteSpace();
        if (!scanner.AtEnd)
        {
            error = "unexpected text in " + headerName;
            return false;
        }
        return true;
    }

    /// <summary>
    /// Reads header parameters (RFC 3261 §25.1 generic-param: token [ "=" ( token / host / quoted-string ) ])
    /// from the scanner, which stands before a ';' or at the end. Stops at the end or at a character that
    /// cannot continue the list; duplicate names are an error.
    /// </summary>
    internal static bool TryRead(ref SipScanner scanner, SipParameters into, out string error)
    {
        error = string.Empty;
        while (scanner.TryConsume(';'))
        {
            ReadOnlySpan<char> name = scanner.ReadToken();
            if (name.IsEmpty)
            {
                error = "empty parameter name";
                return false;
            }
            string nameText = name.ToString();
            if (into.Contains(nameText))
            {
                error = $"duplicate parameter '{nameText}'";
                return false;
            }
            if (!scanner.TryConsume('='))
            {
                into._items.Add(new SipParameter(nameText, null));
                continue;
            }
            if (scanner.Peek == '"')
            {
                if (!scanner.TryReadQuoted(out string quoted))
                {
                    error = $"unterminated quoted value of parameter '{nameText}'";
                    return false;
                }
                into._items.Add(new SipParameter(nameText, quoted, Quoted: true));
                continue;
            }
            ReadOnlySpan<char> value = scanner.ReadUntil(ValueStops);
            if (value.IsEmpty)
            {
                error = $"empty value of parameter '{nameText}'";
                return false;
            }
            if (value.ContainsAnyExcept(ValueChars))
            {
                error = $"bad character in parameter '{nameText}'";
                return false;
            }
            into._items.Add(new SipParameter(nameText, value.ToString()));
        }
        return true;
    }
}
