using System.Buffers;
using System.Text;

namespace Presence.Sip.Message;

/// <summary>
/// The outcome of parsing one message. <see cref="Message"/> is set whenever the start line could be read,
/// even when <see cref="Error"/> says the message is bad, so that a request can still be answered with 400.
/// </summary>
public readonly record struct SipParseResult(SipMessage? Message, SipParseError Error)
{
    public bool Success => !Error.IsError && Message is not null;
}

/// <summary>
/// Parses a complete SIP message held in one buffer (RFC 3261 §7). It works on bytes: no regular
/// expressions, no string splitting, one pass over the header block, and a precise reason for every
/// rejection. A valid request costs two allocations: the message and its array of header positions.
/// </summary>
public static class SipParser
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';
    private const byte SP = (byte)' ';
    private const byte HT = (byte)'\t';

    // RFC 3261 §25.1: token characters.
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~"u8);

    // Control characters that may not appear in a line (HT is allowed as white space; CR and LF only as
    // the line terminator, which the line splitter has already removed).
    private static readonly SearchValues<byte> ForbiddenInLine = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    [ThreadStatic] private static HeaderField[]? t_scratch;

    public static SipParseResult Parse(byte[] buffer) => Parse(buffer, 0, buffer.Length, SipParserLimits.Default);

    public static SipParseResult Parse(byte[] buffer, int offset, int count) =>
        Parse(buffer, offset, count, SipParserLimits.Default);

    /// <summary>
    /// Parses buffer[offset..offset+count] as one datagram or one framed stream message. The message keeps a
    /// reference to <paramref name="buffer"/>: the caller must not reuse it while the message lives.
    /// </summary>
    public static SipParseResult Parse(byte[] buffer, int offset, int count, SipParserLimits limits)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, buffer.Length - offset);
        ArgumentNullException.ThrowIfNull(limits);

        if (count > limits.MaxMessageSize)
            return Fail(513, "Message Too Large");

        ReadOnlySpan<byte> data = buffer.AsSpan(0, offset + count);
        int pos = offset;
        int end = offset + count;

        // RFC 3261 §7.5: CRLFs before the start line are ignored (keep-alives on UDP look like this).
        while (pos + 1 < end && data[pos] == CR && data[pos + 1] == LF)
            pos += 2;
        if (pos >= end)
            return Fail(400, "Empty Message");

        int lineEnd = FindLineEnd(data, pos, end);
        if (lineEnd < 0)
            return Fail(400, "Start Line Not Terminated By CRLF");
        if (lineEnd - pos > limits.MaxLineLength)
            return Fail(400, "Start Line Too Long");

        int startLineStart = pos;
        ReadOnlySpan<byte> startLine = data[pos..lineEnd];
        SipParseError error = default;
        if (startLine.IndexOfAny(ForbiddenInLine) >= 0)
        {
            // A response is only ever dropped; a request is read on, so that its 400 can be addressed.
            if (startLine.StartsWith("SIP/"u8))
                return Fail(400, "Control Character In Start Line");
            error = new SipParseError(400, "Control Character In Start Line");
        }

        string? method = null;
        int statusCode = 0, uriOrReasonStart, uriOrReasonLength;
        if (startLine.StartsWith("SIP/"u8))
        {
            var status = ParseStatusLine(startLine, pos, out statusCode, out uriOrReasonStart, out uriOrReasonLength);
            if (status.IsError)
                return new SipParseResult(null, status);
        }
        else
        {
            // RFC 3261 §8.2 and RFC 4475 §3.1.2: a request whose Request-Line is wrong is still answered (400, or 505
            // for another version) when its top Via can carry the answer; only a line without a method token is not a
            // request at all.
            var status = ParseRequestLine(startLine, pos, out method, out uriOrReasonStart, out uriOrReasonLength);
            if (method is null)
                return new SipParseResult(null, Error(error, status.StatusCode, status.Reason));
            error = Error(error, status.StatusCode, status.Reason);
        }

        // Header block.
        HeaderField[] scratch = t_scratch is { } s && s.Length >= limits.MaxHeaderCount
            ? s
            : (t_scratch = new HeaderField[limits.MaxHeaderCount]);
        int headerCount = 0;
        pos = lineEnd + 2;
        int bodyStart = -1;
        // False after a rejected line: its continuation lines go with it, and must not extend the field before it.
        bool continuable = false;
        while (pos < end)
        {
            lineEnd = FindLineEnd(data, pos, end);
            if (lineEnd < 0)
                break;
            if (lineEnd == pos)
            {
                bodyStart = pos + 2;
                break;
            }
            if (lineEnd - pos > limits.MaxLineLength)
            {
                error = Error(error, 400, "Header Line Too Long");
                break;
            }
            ReadOnlySpan<byte> line = data[pos..lineEnd];
            if (line[0] is SP or HT)
            {
                // RFC 3261 §7.3.1: a line starting with white space continues the previous field.
                if (headerCount == 0)
                    error = Error(error, 400, "Continuation Line Before First Header");
                else if (!continuable)
                {
                    // It continues a rejected line, whose error is already recorded: it is dropped with that line.
                }
                else if (HasForbiddenControl(line))
                {
                    error = Error(error, 400, "Control Character In Header " + NameOf(data, scratch[headerCount - 1]));
                    continuable = false;
                }
                else if (line.IndexOfAnyExcept(SP, HT) is var first and >= 0)
                    scratch[headerCount - 1] = scratch[headerCount - 1].ValueLength == 0
                        // Nothing after the colon: the value starts on this line and there is no fold to undo.
                        ? scratch[headerCount - 1].WithValue(pos + first, TrimEnd(line) - first)
                        : scratch[headerCount - 1].ExtendedTo(pos + TrimEnd(line));
                pos = lineEnd + 2;
                continue;
            }

            int colon = line.IndexOf((byte)':');
            if (colon < 0)
            {
                error = Error(error, 400, "Header Line Without Colon");
                continuable = false;
                pos = lineEnd + 2;
                continue;
            }
            int nameLength = colon;
            while (nameLength > 0 && line[nameLength - 1] is SP or HT)
                nameLength--;
            ReadOnlySpan<byte> name = line[..nameLength];
            if (nameLength == 0 || name.IndexOfAnyExcept(TokenChars) >= 0)
            {
                error = Error(error, 400, "Malformed Header Name");
                continuable = false;
                pos = lineEnd + 2;
                continue;
            }
            if (HasForbiddenControl(line))
            {
                error = Error(error, 400, "Control Character In Header " + System.Text.Encoding.ASCII.GetString(name));
                continuable = false;
                pos = lineEnd + 2;
                continue;
            }
            if (headerCount == limits.MaxHeaderCount)
            {
                error = Error(error, 400, "Too Many Header Fields");
                break;
            }
            int valueStart = colon + 1;
            while (valueStart < line.Length && line[valueStart] is SP or HT)
                valueStart++;
            int valueEnd = valueStart + TrimEnd(line[valueStart..]);
            scratch[headerCount++] = new HeaderField(
                HeaderNames.Lookup(name), pos, nameLength, pos + valueStart, valueEnd - valueStart, folded: false);
            continuable = true;
            pos = lineEnd + 2;
        }

        HeaderField[] headers = headerCount == 0 ? [] : scratch.AsSpan(0, headerCount).ToArray();

        if (bodyStart < 0)
        {
            // No empty line: a datagram cut short, or garbage after the start line.
            error = Error(error, 400, "Header Section Not Terminated By Empty Line");
            bodyStart = end;
        }

        var check = CheckHeaders(data, headers, method, out long cseq, out string? cseqMethod, out int maxForwards, out int contentLength);
        error = Error(error, check.StatusCode, check.Reason);

        int available = end - bodyStart;
        int bodyLength = available;
        if (contentLength >= 0)
        {
            if (contentLength > available)
            {
                // RFC 3261 §18.3: a body shorter than Content-Length is an error (400 for a request).
                error = Error(error, 400, "Body Shorter Than Content-Length");
            }
            else
            {
                // RFC 3261 §18.3: bytes past Content-Length in a datagram are discarded.
                bodyLength = contentLength;
            }
        }

        var message = new SipMessage(
            buffer, startLineStart, bodyStart + bodyLength, method, statusCode, uriOrReasonStart, uriOrReasonLength,
            headers, bodyStart, bodyLength, cseq, cseqMethod, maxForwards);
        return new SipParseResult(message, error);
    }

    /// <summary>
    /// On a stream (TCP, TLS) finds where the first message in <paramref name="data"/> ends: the header block
    /// and then Content-Length bytes of body (RFC 3261 §18.3: Content-Length is mandatory on streams).
    /// Returns the total length, 0 when more bytes are needed, or -1 with <paramref name="error"/> when the
    /// stream cannot be delimited any more and must be closed.
    /// </summary>
    public static int FrameStreamMessage(ReadOnlySpan<byte> data, SipParserLimits limits, out SipParseError error)
    {
        error = default;
        // RFC 3261 §7.5: CRLFs before the start line are ignored on streams too (RFC 5626 §4.4.1 keep-alives
        // are "\r\n\r\n"); they are framed together with the message that follows, and Parse skips them.
        int start = 0;
        while (start + 1 < data.Length && data[start] == CR && data[start + 1] == LF)
            start += 2;
        int headerEnd = data[start..].IndexOf("\r\n\r\n"u8);
        if (headerEnd < 0)
        {
            if (data.Length > limits.MaxMessageSize)
            {
                error = new SipParseError(513, "Message Too Large");
                return -1;
            }
            return 0;
        }
        headerEnd += start;
        int bodyStart = headerEnd + 4;
        int contentLength = -1;
        int pos = start + data[start..].IndexOf("\r\n"u8) + 2;
        while (pos < bodyStart - 2)
        {
            int lineEnd = pos + data[pos..].IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = data[pos..lineEnd];
            int colon = line.IndexOf((byte)':');
            if (colon > 0)
            {
                int nameLength = colon;
                while (nameLength > 0 && line[nameLength - 1] is SP or HT)
                    nameLength--;
                if (HeaderNames.Lookup(line[..nameLength]) == HeaderId.ContentLength)
                {
                    if (!TryParseDigits(line[(colon + 1)..].Trim(" \t"u8), out int length))
                    {
                        error = new SipParseError(400, "Malformed Content-Length");
                        return -1;
                    }
                    // Two lengths that disagree leave no way to tell where the next message starts; believing either
                    // would let the bytes the other one counts as body be read as a request of their own (request
                    // smuggling). HTTP/1.1 treats it as unrecoverable for the same reason (RFC 9112 §6.3).
                    if (contentLength >= 0 && contentLength != length)
                    {
                        error = new SipParseError(400, "Conflicting Content-Length Headers");
                        return -1;
                    }
                    contentLength = length;
                }
            }
            pos = lineEnd + 2;
        }
        if (contentLength < 0)
        {
            error = new SipParseError(400, "Content-Length Required On Stream Transport");
            return -1;
        }
        long total = (long)bodyStart + contentLength;
        if (total > limits.MaxMessageSize)
        {
            error = new SipParseError(513, "Message Too Large");
            return -1;
        }
        return total <= data.Length ? (int)total : 0;
    }

    private static SipParseError ParseRequestLine(
        ReadOnlySpan<byte> line, int lineStart, out string? method, out int uriStart, out int uriLength)
    {
        method = null;
        uriStart = uriLength = 0;
        // RFC 3261 §7.1: Request-Line = Method SP Request-URI SP SIP-Version, single spaces. The method is read first and
        // whatever else is wrong, so that the answer can name it; the checks after it go from the outside in.
        int sp1 = line.IndexOf(SP);
        if (sp1 <= 0)
            return new SipParseError(400, "Malformed Request Line");
        ReadOnlySpan<byte> methodBytes = line[..sp1];
        if (methodBytes.IndexOfAnyExcept(TokenChars) >= 0)
            return new SipParseError(400, "Malformed Method");
        method = SipMethods.FromBytes(methodBytes);

        int last = line.LastIndexOf(SP);
        // Method and one more element, no version.
        if (last == sp1 && line.Length > sp1 + 1)
            return new SipParseError(400, "Malformed Request Line");
        ReadOnlySpan<byte> version = line[(last + 1)..];
        // Between the method and the version: the Request-URI, with any stray white space around it.
        ReadOnlySpan<byte> middle = last > sp1 ? line[(sp1 + 1)..last] : default;
        int lead = middle.IndexOfAnyExcept(SP);
        ReadOnlySpan<byte> uri = lead < 0 ? default : middle[lead..].TrimEnd(SP);
        if (!uri.IsEmpty)
        {
            uriStart = lineStart + sp1 + 1 + lead;
            uriLength = uri.Length;
        }
        if (version.IsEmpty)
        {
            // RFC 4475 §3.1.2.10 (trws): white space after the version.
            return line.TrimEnd(SP).LastIndexOf(SP) > sp1
                ? new SipParseError(400, "Extra Spaces In Request Line")
                : new SipParseError(400, "Malformed Request Line");
        }
        if (!Ascii.EqualsIgnoreCase(version, "SIP/2.0"u8))
        {
            // RFC 3261 §8.2.2.1 style: another SIP version is 505 (RFC 4475 §3.1.2.16), anything else is not SIP at all.
            return IsSipVersion(version)
                ? new SipParseError(505, "Version Not Supported")
                : new SipParseError(400, "Malformed SIP Version");
        }
        if (uri.IsEmpty)
            return new SipParseError(400, "Missing Request-URI");
        // RFC 4475 §3.1.2.9 (lwsstart): more than one SP between the elements.
        if (lead > 0 || middle.Length > lead + uri.Length)
            return new SipParseError(400, "Extra Spaces In Request Line");
        // RFC 4475 §3.1.2.8 (lwsruri): white space inside the Request-URI.
        if (uri.IndexOfAny(SP, HT) >= 0)
            return new SipParseError(400, "White Space In Request-URI");
        // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':' and something after it. Whether
        // the scheme is one this server serves (416 if not) is the transaction user's question.
        int colon = uri.IndexOf((byte)':');
        if (colon <= 0 || colon == uri.Length - 1 || !char.IsAsciiLetter((char)uri[0])
            || uri[..colon].IndexOfAnyExcept(SchemeChars) >= 0)
            return new SipParseError(400, "Malformed Request-URI");
        return default;
    }

    // "SIP/" 1*DIGIT "." 1*DIGIT (RFC 3261 §25.1 SIP-Version).
    private static bool IsSipVersion(ReadOnlySpan<byte> version)
    {
        if (version.Length < 7 || !Ascii.EqualsIgnoreCase(version[..4], "SIP/"u8))
            return false;
        ReadOnlySpan<byte> number = version[4..];
        int dot = number.IndexOf((byte)'.');
        return dot > 0 && dot < number.Length - 1
            && number[..dot].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0
            && number[(dot + 1)..].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;
    }

    private static readonly SearchValues<byte> SchemeChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."u8);

    /// <summary>
    /// True when the header line holds a control character that is not part of a quoted-pair inside a quoted string:
    /// RFC 3261 §25.1 lets <c>quoted-pair = "" (%x00-09 / %x0B-0C / %x0E-7F)</c> carry any of them but CR and LF, and
    /// RFC 4475 §3.1.1.2 (intmeth) has a To display name with an escaped NUL, BEL and DEL.
    /// </summary>
    private static bool HasForbiddenControl(ReadOnlySpan<byte> line)
    {
        if (line.IndexOfAny(ForbiddenInLine) < 0)
            return false;
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            byte b = line[i];
            if (quoted && b == (byte)'\\' && i + 1 < line.Length && line[i + 1] is not (CR or LF))
            {
                i++;
                continue;
            }
            if (b == (byte)'"')
                quoted = !quoted;
            else if (ForbiddenInLine.Contains(b))
                return true;
        }
        return false;
    }

    private static SipParseError ParseStatusLine(
        ReadOnlySpan<byte> line, int lineStart, out int statusCode, out int reasonStart, out int reasonLength)
    {
        statusCode = 0;
        reasonStart = reasonLength = 0;
        // RFC 3261 §7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase.
        if (line.Length < 11 || !line[..8].SequenceEqual("SIP/2.0 "u8))
            return new SipParseError(400, "Malformed Status Line");
        ReadOnlySpan<byte> code = line.Slice(8, 3);
        if (!TryParseDigits(code, out statusCode) || statusCode < 100 || statusCode > 699)
        {
            statusCode = 0;
            return new SipParseError(400, "Malformed Status Code");
        }
        if (line.Length > 11 && line[11] != SP)
        {
            statusCode = 0;
            return new SipParseError(400, "Malformed Status Line");
        }
        reasonStart = lineStart + Math.Min(12, line.Length);
        reasonLength = Math.Max(0, line.Length - 12);
        return default;
    }

    private static SipParseError CheckHeaders(
        ReadOnlySpan<byte> data, HeaderField[] headers, string? method,
        out long cseq, out string? cseqMethod, out int maxForwards, out int contentLength)
    {
        cseq = -1;
        cseqMethod = null;
        maxForwards = -1;
        contentLength = -1;
        bool via = false, from = false, to = false, callId = false, maxForwardsSeen = false;
        SipParseError error = default;
        foreach (ref readonly HeaderField field in headers.AsSpan())
        {
            ReadOnlySpan<byte> value = data.Slice(field.ValueStart, field.ValueLength);
            switch (field.Id)
            {
                case HeaderId.Via:
                    via = true;
                    break;
                case HeaderId.From:
                    if (from) error = Error(error, 400, "Duplicate From Header");
                    from = true;
                    break;
                case HeaderId.To:
                    if (to) error = Error(error, 400, "Duplicate To Header");
                    to = true;
                    break;
                case HeaderId.CallId:
                    if (callId) error = Error(error, 400, "Duplicate Call-ID Header");
                    else if (value.IsEmpty || value.IndexOfAny(" \t"u8) >= 0) error = Error(error, 400, "Malformed Call-ID");
                    callId = true;
                    break;
                case HeaderId.CSeq:
                    if (cseq >= 0 || cseqMethod is not null)
                    {
                        error = Error(error, 400, "Duplicate CSeq Header");
                        break;
                    }
                    if (!TryParseCSeq(value, field.Folded, out cseq, out cseqMethod, out bool outOfRange))
                    {
                        cseq = -1;
                        cseqMethod ??= string.Empty;
                        // RFC 4475 §3.1.2.4 (scalar02): a sequence number above 2^31-1 (RFC 3261 §8.1.1.5) is a 400 of its own.
                        error = Error(error, 400, outOfRange ? "CSeq Number Out Of Range" : "Malformed CSeq");
                    }
                    else if (method is not null && !string.Equals(method, cseqMethod, StringComparison.Ordinal))
                    {
                        error = Error(error, 400, "CSeq Method Does Not Match Request Method");
                    }
                    break;
                case HeaderId.MaxForwards:
                    if (maxForwardsSeen) error = Error(error, 400, "Duplicate Max-Forwards Header");
                    else if (value.IsEmpty || value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
                        error = Error(error, 400, "Malformed Max-Forwards");
                    // RFC 4475 §3.1.2.4: a value above 255 may be treated as if it were absent (this server forwards nothing).
                    else if (!TryParseDigits(value, out maxForwards) || maxForwards > 255)
                        maxForwards = -1;
                    maxForwardsSeen = true;
                    break;
                case HeaderId.ContentLength:
                    if (!TryParseDigits(value, out int length))
                        error = Error(error, 400, "Malformed Content-Length");
                    else if (contentLength >= 0 && contentLength != length)
                        error = Error(error, 400, "Conflicting Content-Length Headers");
                    else
                        contentLength = length;
                    break;
            }
        }
        // RFC 3261 §8.1.1: the headers every request carries; §8.2.2 / §20 for responses.
        if (!via) error = Error(error, 400, "Missing Via Header");
        if (!from) error = Error(error, 400, "Missing From Header");
        if (!to) error = Error(error, 400, "Missing To Header");
        if (!callId) error = Error(error, 400, "Missing Call-ID Header");
        if (cseqMethod is null) error = Error(error, 400, "Missing CSeq Header");
        // No Max-Forwards is an RFC 2543 request, which RFC 4475 §3.4.1 (inv2543) has a server accept.
        return error;
    }

    private static bool TryParseCSeq(ReadOnlySpan<byte> value, bool folded, out long number, out string? method, out bool outOfRange)
    {
        number = -1;
        method = null;
        outOfRange = false;
        // CSeq = 1*DIGIT LWS Method; the number is below 2^31 (RFC 3261 §8.1.1.5).
        int i = value.IndexOfAnyExcept("0123456789"u8);
        if (i <= 0)
            return false;
        ReadOnlySpan<byte> rest = value[i..];
        int methodStart = rest.IndexOfAnyExcept(folded ? " \t\r\n"u8 : " \t"u8);
        if (methodStart <= 0)
            return false;
        ReadOnlySpan<byte> methodBytes = rest[methodStart..];
        if (methodBytes.IndexOfAnyExcept(TokenChars) >= 0)
            return false;
        // The method is read even when the number is out of range: the answer's CSeq and the check that it matches the
        // request's method need it.
        method = SipMethods.FromBytes(methodBytes);
        if (i > 10 || !long.TryParse(value[..i], System.Globalization.NumberStyles.None, null, out number) || number > int.MaxValue)
        {
            number = -1;
            outOfRange = true;
            return false;
        }
        return true;
    }

    private static bool TryParseDigits(ReadOnlySpan<byte> value, out int number)
    {
        number = 0;
        if (value.IsEmpty || value.Length > 9 || value.IndexOfAnyExcept("0123456789"u8) >= 0)
            return false;
        foreach (byte b in value)
            number = number * 10 + (b - '0');
        return true;
    }

    /// <summary>The index of the CR of the next CRLF, or -1. A bare LF is left in the line, where the
    /// control-character check rejects it.</summary>
    private static int FindLineEnd(ReadOnlySpan<byte> data, int from, int end)
    {
        int i = data[from..end].IndexOf("\r\n"u8);
        return i < 0 ? -1 : from + i;
    }

    private static int TrimEnd(ReadOnlySpan<byte> s)
    {
        int n = s.Length;
        while (n > 0 && s[n - 1] is SP or HT)
            n--;
        return n;
    }

    private static string NameOf(ReadOnlySpan<byte> data, in HeaderField field) =>
        System.Text.Encoding.ASCII.GetString(data.Slice(field.NameStart, field.NameLength));

    // The first problem found is the one reported.
    private static SipParseError Error(SipParseError current, int status, string reason) =>
        current.IsError || status == 0 ? current : new SipParseError(status, reason);

    private static SipParseResult Fail(int status, string reason) => new(null, new SipParseError(status, reason));
}
