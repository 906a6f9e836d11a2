namespace Presence.Sip.Message;

/// <summary>
/// Where one header field line (or folded group of lines) sits in a message's buffer.
/// The parser records positions only; text is made when someone asks for it.
/// </summary>
public readonly struct HeaderField
{
    internal HeaderField(HeaderId id, int nameStart, int nameLength, int valueStart, int valueLength, bool folded)
    {
        Id = id;
        NameStart = nameStart;
        NameLength = nameLength;
        ValueStart = valueStart;
        ValueLength = valueLength;
        Folded = folded;
    }

    public HeaderId Id { get; }
    internal int NameStart { get; }
    internal int NameLength { get; }
    internal int ValueStart { get; }
    internal int ValueLength { get; }

    /// <summary>True when the value spans continuation lines (RFC 3261 §7.3.1 line folding).</summary>
    internal bool Folded { get; }

    internal HeaderField ExtendedTo(int valueEnd) =>
        new(Id, NameStart, NameLength, ValueStart, valueEnd - ValueStart, folded: true);

    internal HeaderField WithValue(int valueStart, int valueLength) =>
        new(Id, NameStart, NameLength, valueStart, valueLength, Folded);
}
