using System.Buffers;
using System.Globalization;
using System.Text;

namespace Presence.Core.Documents;

/// <summary>
/// Writes XML as UTF-8 into a buffer rented from the shared pool: markup goes in verbatim, text and attribute values
/// are escaped. What it writes is determined by its input alone, so equal documents come out byte-identical.
/// </summary>
internal ref struct Utf8XmlBuilder
{
    /// <summary>Characters a value cannot carry as they are: markup, quotes, controls, surrogates, non-characters.</summary>
    private static readonly SearchValues<char> s_special = SearchValues.Create(SpecialCharacters());

    private byte[] _buffer;
    private int _length;

    public Utf8XmlBuilder(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
        _length = 0;
    }

    /// <summary>Markup the caller knows to be well-formed UTF-8.</summary>
    public void Raw(ReadOnlySpan<byte> utf8)
    {
        utf8.CopyTo(Reserve(utf8.Length));
        _length += utf8.Length;
    }

    /// <summary>Character data between tags (XML 1.0 §2.4).</summary>
    public void Text(string value) => Escape(value, attribute: false);

    /// <summary>An attribute value between double quotes (XML 1.0 §3.3.3).</summary>
    public void Attribute(string value) => Escape(value, attribute: true);

    public void Integer(int value)
    {
        Span<byte> span = Reserve(11);
        value.TryFormat(span, out int written, provider: CultureInfo.InvariantCulture);
        _length += written;
    }

    public void Priority(double priority)
    {
        Span<byte> span = Reserve(32);
        ContactPriority.TryFormat(priority, span, out int written);
        _length += written;
    }

    /// <summary>RFC 3863 §4.1.7: an RFC 3339 date-time; written in UTC to the second.</summary>
    public void Timestamp(DateTimeOffset timestamp)
    {
        Span<byte> span = Reserve(32);
        timestamp.UtcDateTime.TryFormat(span, out int written, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        _length += written;
    }

    public readonly byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }

    private void Escape(string value, bool attribute)
    {
        ReadOnlySpan<char> rest = value;
        while (true)
        {
            int index = rest.IndexOfAny(s_special);
            if (index < 0)
            {
                Utf8(rest);
                return;
            }
            Utf8(rest[..index]);
            rest = rest[index..];
            rest = rest[WriteSpecial(rest, attribute)..];
        }
    }

    /// <summary>Writes the special character at the start of <paramref name="text"/>; returns how many chars it used.</summary>
    private int WriteSpecial(ReadOnlySpan<char> text, bool attribute)
    {
        char c = text[0];
        switch (c)
        {
            case '&':
                Raw("&amp;"u8);
                return 1;
            case '<':
                Raw("&lt;"u8);
                return 1;
            case '>':
                Raw("&gt;"u8);
                return 1;
            case '"' when attribute:
                Raw("&quot;"u8);
                return 1;
            // XML 1.0 §3.3.3 turns tab and line feed in attribute values into spaces, and §2.11 turns every carriage
            // return into a line feed: character references keep them as they were.
            case '\t' when attribute:
                Raw("&#x9;"u8);
                return 1;
            case '\n' when attribute:
                Raw("&#xA;"u8);
                return 1;
            case '\r':
                Raw("&#xD;"u8);
                return 1;
            case '"' or '\t' or '\n':
                Utf8(text[..1]);
                return 1;
        }
        if (char.IsHighSurrogate(c) && text.Length > 1 && char.IsLowSurrogate(text[1]))
        {
            Utf8(text[..2]);
            return 2;
        }
        // XML 1.0 §2.2: other controls, lone surrogates, U+FFFE and U+FFFF cannot appear even as references.
        Raw("\uFFFD"u8);
        return 1;
    }

    private void Utf8(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return;
        Span<byte> span = Reserve(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, span);
    }

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        return _buffer.AsSpan(_length);
    }

    private static string SpecialCharacters()
    {
        var set = new StringBuilder("&<>\"\uFFFE\uFFFF");
        for (char c = '\0'; c < ' '; c++)
            set.Append(c);
        for (char c = '\uD800'; c <= '\uDFFF'; c++)
            set.Append(c);
        return set.ToString();
    }
}
