namespace Presence.Sip.Headers;

/// <summary>
/// A cursor over header text with the lexical rules of RFC 3261 §25.1: tokens, quoted strings with
/// quoted-pairs, and the optional white space around separators. Typed headers are parsed with it.
/// </summary>
internal ref struct SipScanner
{
    private readonly ReadOnlySpan<char> _text;
    private int _pos;

    public SipScanner(ReadOnlySpan<char> text)
    {
        _text = text;
        _pos = 0;
    }

    public readonly bool AtEnd => _pos >= _text.Length;

    public readonly int Position => _pos;

    public readonly char Peek => _pos < _text.Length ? _text[_pos] : '\0';

    public readonly ReadOnlySpan<char> Rest => _text[_pos..];

    public void SkipWhiteSpace()
    {
        while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\r' or '\n')
            _pos++;
    }

    public bool TryConsume(char c)
    {
        SkipWhiteSpace();
        if (_pos < _text.Length && _text[_pos] == c)
        {
            _pos++;
            SkipWhiteSpace();
            return true;
        }
        return false;
    }

    public void Advance(int count) => _pos = Math.Min(_text.Length, _pos + count);

    public ReadOnlySpan<char> ReadToken()
    {
        int start = _pos;
        while (_pos < _text.Length && IsTokenChar(_text[_pos]))
            _pos++;
        return _text[start.._pos];
    }

    /// <summary>Reads up to (not including) any of <paramref name="stops"/>, or to the end.</summary>
    public ReadOnlySpan<char> ReadUntil(System.Buffers.SearchValues<char> stops)
    {
        int start = _pos;
        int i = _text[_pos..].IndexOfAny(stops);
        _pos = i < 0 ? _text.Length : _pos + i;
        return _text[start.._pos];
    }

    /// <summary>Reads up to (not including) any of <paramref name="stops"/>, or to the end.</summary>
    public ReadOnlySpan<char> ReadUntil(ReadOnlySpan<char> stops)
    {
        int start = _pos;
        int i = _text[_pos..].IndexOfAny(stops);
        _pos = i < 0 ? _text.Length : _pos + i;
        return _text[start.._pos];
    }

    /// <summary>Reads a quoted-string starting at the current '"', returning its unescaped content.</summary>
    public bool TryReadQuoted(out string value)
    {
        value = string.Empty;
        if (Peek != '"')
            return false;
        var builder = new System.Text.StringBuilder();
        int i = _pos + 1;
        while (i < _text.Length)
        {
            char c = _text[i];
            if (c == '\\')
            {
                if (i + 1 >= _text.Length)
                    return false;
                // RFC 3261 §25.1 lets a quoted-pair carry a control character (RFC 4475's intmeth has NUL, BEL and DEL in
                // a display name); it is legal on the wire but no use in a name shown to people or written into XML.
                char escaped = _text[i + 1];
                builder.Append(char.IsControl(escaped) ? '\uFFFD' : escaped);
                i += 2;
                continue;
            }
            if (c == '"')
            {
                _pos = i + 1;
                value = builder.ToString();
                return true;
            }
            builder.Append(c);
            i++;
        }
        return false;
    }

    public static bool IsTokenChar(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
            or '-' or '.' or '!' or '%' or '*' or '_' or '+' or '`' or '\'' or '~';

    public static bool IsToken(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
            return false;
        foreach (char c in s)
        {
            if (!IsTokenChar(c))
                return false;
        }
        return true;
    }
}
