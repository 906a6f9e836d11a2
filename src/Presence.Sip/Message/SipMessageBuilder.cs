using System.Buffers;
using System.Globalization;
using System.Text;
using Presence.Sip.Headers;

namespace Presence.Sip.Message;

/// <summary>
/// Builds an outgoing request or response and writes it as bytes. Content-Length is always computed from
/// the body (any Content-Length given is ignored), so what goes on the wire frames itself correctly.
/// Header values copied from a received message stay as the bytes that arrived.
/// </summary>
public sealed class SipMessageBuilder
{
    private readonly List<Entry> _headers = new(12);
    private ReadOnlyMemory<byte> _body;

    private string? _requestUri;

    private SipMessageBuilder(string? method, string? requestUri, int statusCode, string? reason)
    {
        Method = method;
        _requestUri = requestUri;
        StatusCode = statusCode;
        Reason = reason;
    }

    public string? Method { get; }

    /// <summary>The Request-URI; setting it is checked like <see cref="Request"/> (no white space, no line breaks).</summary>
    public string? RequestUri
    {
        get => _requestUri;
        set => _requestUri = CheckRequestUri(value);
    }

    public int StatusCode { get; }

    public string? Reason { get; }

    public bool IsRequest => Method is not null;

    public ReadOnlyMemory<byte> Body => _body;

    public static SipMessageBuilder Request(string method, string requestUri)
    {
        if (string.IsNullOrEmpty(method) || !SipScanner.IsToken(method))
            throw new ArgumentException("A method is a non-empty token.", nameof(method));
        return new SipMessageBuilder(method, CheckRequestUri(requestUri), 0, null);
    }

    private static string CheckRequestUri(string? requestUri) =>
        string.IsNullOrEmpty(requestUri) || requestUri.AsSpan().IndexOfAny(" \t\r\n") >= 0
            ? throw new ArgumentException("A Request-URI has no white space.", nameof(requestUri))
            : requestUri;

    public static SipMessageBuilder Response(int statusCode, string? reason = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 699);
        return new SipMessageBuilder(null, null, statusCode, CleanReason(reason) ?? SipStatus.ReasonPhrase(statusCode));
    }

    /// <summary>
    /// A response to <paramref name="request"/> per RFC 3261 §8.2.6.2: Via (all, in order), From, To, Call-ID
    /// and CSeq copied; a To tag added when the response is not 100 and the request had none. When
    /// <paramref name="topVia"/> is given it replaces the top Via (received/rport filled in, RFC 3581).
    /// </summary>
    public static SipMessageBuilder ResponseTo(
        SipMessage request, int statusCode, string? reason = null, string? toTag = null, ViaHeader? topVia = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = Response(statusCode, reason);
        bool topDone = topVia is null;
        for (int i = 0; i < request.HeaderCount; i++)
        {
            HeaderId id = request.GetId(i);
            switch (id)
            {
                case HeaderId.Via when !topDone:
                    topDone = true;
                    response.Add(HeaderId.Via, topVia!.ToString());
                    List<string> values = HeaderValueList.Split(request.GetValue(i));
                    for (int v = 1; v < values.Count; v++)
                    {
                        // A malformed Via list (RFC 4475 §3.1.2.1: "192.0.2.15;;,;,,") has empty entries; they are not echoed.
                        if (!string.IsNullOrWhiteSpace(values[v]))
                            response.Add(HeaderId.Via, values[v]);
                    }
                    break;
                case HeaderId.To when toTag is not null && statusCode != 100:
                    string to = request.GetValue(i);
                    bool hasTag = NameAddress.TryParse(to, out var address, out _) && address!.Tag is not null;
                    response.Add(HeaderId.To, hasTag ? to : to + ";tag=" + toTag);
                    break;
                case HeaderId.Via or HeaderId.From or HeaderId.To or HeaderId.CallId or HeaderId.CSeq:
                    response.AddCopy(request, i);
                    break;
                case HeaderId.Timestamp when statusCode == 100:
                    // RFC 3261 §8.2.6.1: a 100 echoes the Timestamp.
                    response.AddCopy(request, i);
                    break;
            }
        }
        return response;
    }

    public SipMessageBuilder Add(HeaderId id, string value)
    {
        if (id == HeaderId.Unknown)
            throw new ArgumentException("Use Add(name, value) for extension headers.", nameof(id));
        CheckValue(value);
        _headers.Add(new Entry(id, null, value, default));
        return this;
    }

    public SipMessageBuilder Add(string name, string value)
    {
        if (!SipScanner.IsToken(name))
            throw new ArgumentException("A header name is a token.", nameof(name));
        CheckValue(value);
        HeaderId id = HeaderNames.Lookup(name);
        _headers.Add(new Entry(id, id == HeaderId.Unknown ? name : null, value, default));
        return this;
    }

    /// <summary>Adds a header whose value is the exact bytes of a received one.</summary>
    public SipMessageBuilder AddRaw(HeaderId id, ReadOnlyMemory<byte> value)
    {
        _headers.Add(new Entry(id, null, null, value));
        return this;
    }

    /// <summary>
    /// Copies field <paramref name="index"/> of a received message, unknown (extension) headers included, as a proxy
    /// forwards what it does not touch (RFC 3261 §16.6): its exact bytes, or, when it was folded, its value unfolded
    /// (RFC 3261 §7.3.1: the fold means one SP). A fold copied as received would put a line beginning with white
    /// space in our message, which a peer that does not unfold reads as a header line of its own: text the sender
    /// chose, injected.
    /// </summary>
    public SipMessageBuilder AddCopy(SipMessage message, int index)
    {
        ArgumentNullException.ThrowIfNull(message);
        HeaderId id = message.GetId(index);
        string? name = id == HeaderId.Unknown ? message.GetName(index) : null;
        if (message.Headers[index].Folded)
            return name is null ? Add(id, message.GetValue(index)) : Add(name, message.GetValue(index));
        _headers.Add(new Entry(id, name, null, message.GetRawValueMemory(index)));
        return this;
    }

    /// <summary>Replaces every field of a header with one value.</summary>
    public SipMessageBuilder Set(HeaderId id, string value)
    {
        Remove(id);
        return Add(id, value);
    }

    public int Remove(HeaderId id) => _headers.RemoveAll(h => h.Id == id && id != HeaderId.Unknown);

    public bool Has(HeaderId id) => _headers.Exists(h => h.Id == id);

    public SipMessageBuilder WithBody(string contentType, ReadOnlyMemory<byte> body)
    {
        Set(HeaderId.ContentType, contentType);
        _body = body;
        return this;
    }

    public SipMessageBuilder WithBody(string contentType, string body) =>
        WithBody(contentType, Encoding.UTF8.GetBytes(body));

    /// <summary>The exact number of bytes <see cref="WriteTo(Span{byte})"/> produces.</summary>
    public int GetByteCount()
    {
        int n = IsRequest
            ? Method!.Length + 1 + Encoding.UTF8.GetByteCount(RequestUri!) + 1 + 7 + 2
            : 8 + 3 + 1 + Encoding.UTF8.GetByteCount(Reason!) + 2;
        foreach (var h in _headers)
        {
            if (h.Id == HeaderId.ContentLength)
                continue;
            n += NameLength(h) + 2 + (h.Value is null ? h.Raw.Length : Encoding.UTF8.GetByteCount(h.Value)) + 2;
        }
        n += "Content-Length: ".Length + DigitCount(_body.Length) + 4 + _body.Length;
        return n;
    }

    public byte[] ToArray()
    {
        var bytes = new byte[GetByteCount()];
        WriteTo(bytes);
        return bytes;
    }

    public void WriteTo(IBufferWriter<byte> writer)
    {
        int size = GetByteCount();
        WriteTo(writer.GetSpan(size));
        writer.Advance(size);
    }

    /// <summary>Writes the message into <paramref name="destination"/>, which holds at least <see cref="GetByteCount"/> bytes.</summary>
    public int WriteTo(Span<byte> destination)
    {
        int pos = 0;
        if (IsRequest)
        {
            pos += Encoding.ASCII.GetBytes(Method!, destination);
            destination[pos++] = (byte)' ';
            pos += Encoding.UTF8.GetBytes(RequestUri!, destination[pos..]);
            pos += Copy(" SIP/2.0\r\n"u8, destination[pos..]);
        }
        else
        {
            pos += Copy("SIP/2.0 "u8, destination);
            StatusCode.TryFormat(destination[pos..], out int written, default, CultureInfo.InvariantCulture);
            pos += written;
            destination[pos++] = (byte)' ';
            pos += Encoding.UTF8.GetBytes(Reason!, destination[pos..]);
            pos += Copy("\r\n"u8, destination[pos..]);
        }
        foreach (var h in _headers)
        {
            if (h.Id == HeaderId.ContentLength)
                continue;
            pos += h.Id == HeaderId.Unknown
                ? Encoding.ASCII.GetBytes(h.Name!, destination[pos..])
                : Copy(HeaderNames.GetNameUtf8(h.Id), destination[pos..]);
            pos += Copy(": "u8, destination[pos..]);
            pos += h.Value is null ? Copy(h.Raw.Span, destination[pos..]) : Encoding.UTF8.GetBytes(h.Value, destination[pos..]);
            pos += Copy("\r\n"u8, destination[pos..]);
        }
        pos += Copy("Content-Length: "u8, destination[pos..]);
        _body.Length.TryFormat(destination[pos..], out int digits, default, CultureInfo.InvariantCulture);
        pos += digits;
        pos += Copy("\r\n\r\n"u8, destination[pos..]);
        pos += Copy(_body.Span, destination[pos..]);
        return pos;
    }

    /// <summary>The message as the receiving side would parse it.</summary>
    public SipMessage ToMessage()
    {
        var result = SipParser.Parse(ToArray());
        return result.Message ?? throw new InvalidOperationException("The built message does not parse: " + result.Error);
    }

    public override string ToString() => Encoding.UTF8.GetString(ToArray());

    private static int NameLength(in Entry h) => h.Id == HeaderId.Unknown ? h.Name!.Length : HeaderNames.GetNameUtf8(h.Id).Length;

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }

    private static int DigitCount(int n) => n < 10 ? 1 : (int)Math.Floor(Math.Log10(n)) + 1;

    // A value with CR or LF would let one header smuggle in another (header injection). A NUL only as a quoted-pair
    // (RFC 3261 §25.1), as a received display name has it when an answer copies its To (RFC 4475 §3.1.1.2, intmeth).
    private static void CheckValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException("A header value cannot contain CR or LF.", nameof(value));
        for (int nul = value.IndexOf('\0', StringComparison.Ordinal); nul >= 0; nul = value.IndexOf('\0', nul + 1))
        {
            if (nul == 0 || value[nul - 1] != '\\')
                throw new ArgumentException("A header value cannot contain NUL, except escaped in a quoted string.", nameof(value));
        }
    }

    private static string? CleanReason(string? reason)
    {
        if (reason is null)
            return null;
        // Reason phrases come from user text sometimes (a DND comment): never let it break the status line.
        var clean = new StringBuilder(reason.Length);
        foreach (char c in reason)
            clean.Append(char.IsControl(c) ? ' ' : c);
        return clean.ToString().Trim();
    }

    private readonly record struct Entry(HeaderId Id, string? Name, string? Value, ReadOnlyMemory<byte> Raw);
}
