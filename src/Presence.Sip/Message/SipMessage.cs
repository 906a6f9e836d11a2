using System.Text;
using Presence.Sip.Headers;

namespace Presence.Sip.Message;

/// <summary>
/// A parsed SIP request or response. It is a view over the bytes it was parsed from: the parser only
/// records where things are, and text is made on first use, so a message that is routed by two
/// headers never pays for the other twenty.
/// </summary>
public sealed class SipMessage
{
    private readonly byte[] _buffer;
    private readonly HeaderField[] _headers;
    private readonly int _startLineStart;
    private readonly int _uriOrReasonStart;
    private readonly int _uriOrReasonLength;
    private readonly int _bodyStart;
    private readonly int _bodyLength;
    private string? _requestUri;
    private string? _reasonPhrase;
    private string? _callId;
    private ViaHeader? _topVia;

    internal SipMessage(
        byte[] buffer, int startLineStart, int messageEnd, string? method, int statusCode,
        int uriOrReasonStart, int uriOrReasonLength, HeaderField[] headers,
        int bodyStart, int bodyLength, long cseq, string? cseqMethod, int maxForwards)
    {
        _buffer = buffer;
        _startLineStart = startLineStart;
        Length = messageEnd - startLineStart;
        Method = method ?? string.Empty;
        StatusCode = statusCode;
        _uriOrReasonStart = uriOrReasonStart;
        _uriOrReasonLength = uriOrReasonLength;
        _headers = headers;
        _bodyStart = bodyStart;
        _bodyLength = bodyLength;
        CSeq = cseq;
        CSeqMethod = cseqMethod ?? string.Empty;
        MaxForwards = maxForwards;
    }

    public bool IsRequest => StatusCode == 0;

    public bool IsResponse => StatusCode != 0;

    /// <summary>The request method; for a response, empty (see <see cref="CSeqMethod"/>).</summary>
    public string Method { get; }

    /// <summary>The response status code; 0 for a request.</summary>
    public int StatusCode { get; }

    public string RequestUri => _requestUri ??= IsRequest ? Text(_uriOrReasonStart, _uriOrReasonLength) : string.Empty;

    public string ReasonPhrase => _reasonPhrase ??= IsResponse ? Text(_uriOrReasonStart, _uriOrReasonLength) : string.Empty;

    /// <summary>The CSeq sequence number (RFC 3261 §8.1.1.5), or -1 when the header is missing or bad.</summary>
    public long CSeq { get; }

    /// <summary>The CSeq method; for a response it says which request this answers.</summary>
    public string CSeqMethod { get; }

    /// <summary>Max-Forwards, or -1 when absent.</summary>
    public int MaxForwards { get; }

    public string CallId => _callId ??= GetFirst(HeaderId.CallId) ?? string.Empty;

    /// <summary>The topmost Via, parsed once; null when it is missing or malformed.</summary>
    public ViaHeader? TopVia
    {
        get
        {
            if (_topVia is null && GetFirst(HeaderId.Via) is { } viaField)
            {
                // One Via per field is the common case; split only a field that holds a list.
                string first = viaField.Contains(',', StringComparison.Ordinal) ? HeaderValueList.Split(viaField)[0] : viaField;
                if (ViaHeader.TryParse(first, out var via, out _))
                    _topVia = via;
            }
            return _topVia;
        }
    }

    /// <summary>
    /// Where an answer to this request goes: the top Via, or when that is malformed (empty parameters, another SIP
    /// version) what can still be read of it, its transport and sent-by (RFC 4475 §3.1.2.1, §3.1.2.16); null when there
    /// is no Via or not even a sent-by.
    /// </summary>
    public ViaHeader? TopViaForAnswer
    {
        get
        {
            if (TopVia is { } via)
                return via;
            if (GetFirst(HeaderId.Via) is not { } viaField)
                return null;
            string first = viaField.Contains(',', StringComparison.Ordinal) ? HeaderValueList.Split(viaField)[0] : viaField;
            return ViaHeader.TryParseSentBy(first, out var sentBy) ? sentBy : null;
        }
    }

    public ReadOnlyMemory<byte> Body => _buffer.AsMemory(_bodyStart, _bodyLength);

    /// <summary>The whole message as received (start line through the end of the body).</summary>
    public ReadOnlyMemory<byte> Raw => _buffer.AsMemory(_startLineStart, Length);

    /// <summary>Size of the message in bytes, as framed.</summary>
    public int Length { get; }

    public int HeaderCount => _headers.Length;

    /// <summary>The header fields in the order they arrived, unknown ones included.</summary>
    public ReadOnlySpan<HeaderField> Headers => _headers;

    public HeaderId GetId(int index) => _headers[index].Id;

    /// <summary>The name as it was written (compact forms stay compact).</summary>
    public string GetName(int index) => Text(_headers[index].NameStart, _headers[index].NameLength);

    /// <summary>The field value, trimmed, with folded lines joined by one space.</summary>
    public string GetValue(int index) => FieldText(_headers[index]);

    /// <summary>The value bytes exactly as received (folding included), for copying into another message.</summary>
    public ReadOnlySpan<byte> GetRawValue(int index) => _buffer.AsSpan(_headers[index].ValueStart, _headers[index].ValueLength);

    /// <summary>The value bytes of one field, as memory that lives as long as the message.</summary>
    public ReadOnlyMemory<byte> GetRawValueMemory(int index) => _buffer.AsMemory(_headers[index].ValueStart, _headers[index].ValueLength);

    public bool Has(HeaderId id)
    {
        foreach (ref readonly HeaderField field in _headers.AsSpan())
        {
            if (field.Id == id)
                return true;
        }
        return false;
    }

    /// <summary>The first field of a known header, as written (not split at commas).</summary>
    public string? GetFirst(HeaderId id)
    {
        foreach (ref readonly HeaderField field in _headers.AsSpan())
        {
            if (field.Id == id)
                return FieldText(field);
        }
        return null;
    }

    /// <summary>The first field of a header by name; works for unknown (extension) headers too.</summary>
    public string? GetFirst(string name)
    {
        HeaderId id = HeaderNames.Lookup(name);
        if (id != HeaderId.Unknown)
            return GetFirst(id);
        Span<byte> ascii = stackalloc byte[Math.Min(name.Length, 256)];
        if (name.Length > ascii.Length || !Ascii.IsValid(name))
            return null;
        Encoding.ASCII.GetBytes(name, ascii);
        foreach (ref readonly HeaderField field in _headers.AsSpan())
        {
            if (field.Id == HeaderId.Unknown && Ascii.EqualsIgnoreCase(_buffer.AsSpan(field.NameStart, field.NameLength), ascii))
                return FieldText(field);
        }
        return null;
    }

    /// <summary>
    /// Every value of a header that may be a comma-separated list (RFC 3261 §7.3.1): repeated fields and
    /// commas inside one field are the same thing. Commas inside quotes or angle brackets do not split.
    /// Not for headers whose grammar has bare commas (WWW-Authenticate, Authorization, Date).
    /// </summary>
    public IEnumerable<string> GetValues(HeaderId id)
    {
        for (int i = 0; i < _headers.Length; i++)
        {
            if (_headers[i].Id != id)
                continue;
            foreach (string item in HeaderValueList.Split(FieldText(_headers[i])))
                yield return item;
        }
    }

    /// <summary>Every field of a header, unsplit, in order.</summary>
    public IEnumerable<string> GetFields(HeaderId id)
    {
        for (int i = 0; i < _headers.Length; i++)
        {
            if (_headers[i].Id == id)
                yield return FieldText(_headers[i]);
        }
    }

    public override string ToString() => Encoding.UTF8.GetString(Raw.Span);

    private string FieldText(in HeaderField field)
    {
        if (!field.Folded)
            return Text(field.ValueStart, field.ValueLength);
        // RFC 3261 §7.3.1: a CRLF followed by white space is folding and means one SP.
        var builder = new StringBuilder(field.ValueLength);
        string raw = Text(field.ValueStart, field.ValueLength);
        int i = 0;
        while (i < raw.Length)
        {
            if (raw[i] == '\r' && i + 1 < raw.Length && raw[i + 1] == '\n')
            {
                while (builder.Length > 0 && builder[^1] is ' ' or '\t')
                    builder.Length--;
                builder.Append(' ');
                i += 2;
                while (i < raw.Length && raw[i] is ' ' or '\t')
                    i++;
                continue;
            }
            builder.Append(raw[i++]);
        }
        return builder.ToString();
    }

    private string Text(int start, int length) => Encoding.UTF8.GetString(_buffer, start, length);
}
