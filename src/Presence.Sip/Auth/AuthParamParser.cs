using System.Buffers;
using System.Text;

namespace Presence.Sip.Auth;

/// <summary>
/// Tokenizer for <c>auth-scheme 1*SP #auth-param</c> as used by Authorization,
/// Proxy-Authorization, WWW-Authenticate and Proxy-Authenticate values.
/// </summary>
/// <remarks>
/// Grammar: RFC 3261 §25.1 (<c>token</c>, <c>quoted-string</c>, <c>quoted-pair</c>, <c>LWS</c>,
/// <c>EQUAL</c>, <c>COMMA</c>) and RFC 7235 §2.1 (<c>auth-param = token BWS "=" BWS ( token /
/// quoted-string )</c>). It never throws: every failure is reported as a short reason so the
/// caller can answer 400/401 instead of crashing on hostile input.
/// </remarks>
internal static class AuthParamParser
{
    /// <summary>
    /// Upper bound on an accepted header value. A legitimate Digest credential is a few hundred
    /// characters; refusing very large values keeps the work per hostile request bounded.
    /// </summary>
    internal const int MaxHeaderLength = 16 * 1024;

    /// <summary>Upper bound on auth-params in one value (RFC 7616 defines fewer than twenty).</summary>
    internal const int MaxParameters = 64;

    /// <summary>One auth-param; <see cref="Value"/> is already unquoted and unescaped.</summary>
    internal readonly record struct AuthParam(string Name, string Value, bool IsQuoted);

    // RFC 3261 §25.1 token characters, plus "#$&^|" from the RFC 7230 §3.2.6 tchar set so values
    // produced by HTTP-derived stacks are not rejected; accepting the union is harmless because
    // every accepted character is still printable, non-separator ASCII.
    private static readonly SearchValues<char> TokenChars = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~#$&^|");

    /// <summary>Parses a whole value: the scheme, then its parameters.</summary>
    internal static bool TryParse(
        string? headerValue, out string scheme, out List<AuthParam> parameters, out string error)
    {
        parameters = [];
        if (!TryReadScheme(headerValue, out scheme, out int end, out error))
        {
            return false;
        }

        return TryParseParameters(headerValue.AsSpan(end), parameters, out error);
    }

    /// <summary>
    /// Reads the leading auth-scheme token. <paramref name="end"/> is the index of the first
    /// parameter character (whitespace after the scheme already skipped).
    /// </summary>
    internal static bool TryReadScheme(string? headerValue, out string scheme, out int end, out string error)
    {
        scheme = "";
        end = 0;
        if (string.IsNullOrEmpty(headerValue))
        {
            error = "empty header value";
            return false;
        }

        if (headerValue.Length > MaxHeaderLength)
        {
            error = "header value too long";
            return false;
        }

        ReadOnlySpan<char> s = headerValue;
        int pos = 0;
        SkipLws(s, ref pos);
        int start = pos;
        pos += TokenLength(s[pos..]);
        if (pos == start)
        {
            error = pos >= s.Length ? "empty header value" : $"missing auth scheme, found {Describe(s[pos])}";
            return false;
        }

        scheme = s[start..pos].ToString();
        int afterScheme = pos;
        SkipLws(s, ref pos);

        // RFC 7235 §2.1: credentials = auth-scheme [ 1*SP ... ]; without the space
        // "Digestusername=..." would silently become a different scheme name.
        if (pos < s.Length && pos == afterScheme)
        {
            error = $"expected whitespace after auth scheme, found {Describe(s[pos])}";
            return false;
        }

        end = pos;
        error = "";
        return true;
    }

    /// <summary>Parses <c>#auth-param</c>, appending to <paramref name="result"/>.</summary>
    internal static bool TryParseParameters(ReadOnlySpan<char> s, List<AuthParam> result, out string error)
    {
        int pos = 0;
        while (true)
        {
            SkipLws(s, ref pos);
            if (pos >= s.Length)
            {
                break;
            }

            // RFC 7230 §7: recipients accept empty list elements ("a=1, ,b=2" and a trailing comma).
            if (s[pos] == ',')
            {
                pos++;
                continue;
            }

            int nameStart = pos;
            pos += TokenLength(s[pos..]);
            if (pos == nameStart)
            {
                error = $"expected parameter name, found {Describe(s[pos])}";
                return false;
            }

            string name = s[nameStart..pos].ToString();
            SkipLws(s, ref pos);
            if (pos >= s.Length || s[pos] != '=')
            {
                error = $"expected '=' after {Shorten(name)}";
                return false;
            }

            pos++;
            SkipLws(s, ref pos);

            string value;
            bool quoted = pos < s.Length && s[pos] == '"';
            if (quoted)
            {
                if (!TryReadQuotedString(s, ref pos, out value, out error))
                {
                    return false;
                }
            }
            else
            {
                int valueStart = pos;
                pos += TokenLength(s[pos..]);
                if (pos == valueStart)
                {
                    error = pos >= s.Length
                        ? $"missing value for {Shorten(name)}"
                        : $"invalid value for {Shorten(name)}: unexpected {Describe(s[pos])}";
                    return false;
                }

                value = s[valueStart..pos].ToString();
            }

            // RFC 7235 §2.1: "Each parameter name MUST only occur once per challenge";
            // a repeated name is ambiguous (which one did the client hash?), so reject it.
            foreach (AuthParam existing in result)
            {
                if (existing.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    error = $"duplicate parameter {Shorten(name)}";
                    return false;
                }
            }

            if (result.Count >= MaxParameters)
            {
                error = "too many parameters";
                return false;
            }

            result.Add(new AuthParam(name, value, quoted));

            SkipLws(s, ref pos);
            if (pos >= s.Length)
            {
                break;
            }

            if (s[pos] != ',')
            {
                error = $"expected ',' after {Shorten(name)}, found {Describe(s[pos])}";
                return false;
            }

            pos++;
        }

        error = "";
        return true;
    }

    /// <summary>
    /// Reads a quoted-string starting at the opening DQUOTE (RFC 3261 §25.1): qdtext is LWS,
    /// printable ASCII other than DQUOTE and backslash, or non-ASCII (UTF8-NONASCII);
    /// quoted-pair is a backslash and the escaped character.
    /// </summary>
    private static bool TryReadQuotedString(ReadOnlySpan<char> s, ref int pos, out string value, out string error)
    {
        int i = pos + 1;
        int segmentStart = i;
        StringBuilder? unescaped = null; // only allocated when escapes or folds force a copy
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '"')
            {
                value = unescaped is null
                    ? s[segmentStart..i].ToString()
                    : unescaped.Append(s[segmentStart..i]).ToString();
                pos = i + 1;
                error = "";
                return true;
            }

            if (c == '\\')
            {
                if (i + 1 >= s.Length)
                {
                    break;
                }

                char escaped = s[i + 1];

                // RFC 3261 allows %x00-09 / %x0B-0C / %x0E-7F after the backslash, but a NUL or
                // other control character smuggled into a username or URI only helps an attacker
                // confuse logs and downstream systems; RFC 7230 §3.2.6 limits quoted-pair to
                // HTAB / SP / VCHAR / obs-text, which is what we accept.
                if (IsControl(escaped) && escaped != '\t')
                {
                    value = "";
                    error = $"invalid quoted-pair ({Describe(escaped)})";
                    return false;
                }

                unescaped ??= new StringBuilder(s.Length - pos);
                unescaped.Append(s[segmentStart..i]).Append(escaped);
                i += 2;
                segmentStart = i;
                continue;
            }

            if (c is '\r' or '\n')
            {
                // Folded LWS inside qdtext (RFC 3261 §7.3.1): drop the line break, keep the
                // whitespace that follows it. A bare line break is never legal here.
                int fold = FoldLength(s, i);
                if (fold == 0)
                {
                    value = "";
                    error = "line break inside quoted string";
                    return false;
                }

                unescaped ??= new StringBuilder(s.Length - pos);
                unescaped.Append(s[segmentStart..i]);
                i += fold;
                segmentStart = i;
                continue;
            }

            if (IsControl(c) && c != '\t')
            {
                value = "";
                error = $"{Describe(c)} inside quoted string";
                return false;
            }

            i++;
        }

        value = "";
        error = "unterminated quoted string";
        return false;
    }

    /// <summary>Skips SWS: spaces, tabs and folded line breaks (CRLF or LF followed by WSP).</summary>
    internal static void SkipLws(ReadOnlySpan<char> s, ref int pos)
    {
        while (pos < s.Length)
        {
            char c = s[pos];
            if (c is ' ' or '\t')
            {
                pos++;
                continue;
            }

            int fold = FoldLength(s, pos);
            if (fold == 0)
            {
                return;
            }

            pos += fold;
        }
    }

    /// <summary>
    /// Length of the line break at <paramref name="i"/> if it is a fold (RFC 3261 §25.1
    /// <c>LWS = [*WSP CRLF] 1*WSP</c>), else 0. A lone LF is tolerated like CRLF, as RFC 7230
    /// §3.5 permits recipients to do.
    /// </summary>
    private static int FoldLength(ReadOnlySpan<char> s, int i)
    {
        if (s[i] == '\r' && i + 2 < s.Length && s[i + 1] == '\n' && s[i + 2] is ' ' or '\t')
        {
            return 2;
        }

        if (s[i] == '\n' && i + 1 < s.Length && s[i + 1] is ' ' or '\t')
        {
            return 1;
        }

        return 0;
    }

    private static int TokenLength(ReadOnlySpan<char> s)
    {
        int stop = s.IndexOfAnyExcept(TokenChars);
        return stop < 0 ? s.Length : stop;
    }

    internal static bool IsToken(ReadOnlySpan<char> s) => !s.IsEmpty && !s.ContainsAnyExcept(TokenChars);

    internal static bool IsControl(char c) => c < ' ' || c == '\u007F';

    private static string Describe(char c) =>
        IsControl(c) ? $"control character 0x{(int)c:X2}" : $"'{c}'";

    // Parameter names echo back into the error text; keep that text short whatever the input.
    private static string Shorten(string name) => name.Length <= 32 ? name : string.Concat(name.AsSpan(0, 32), "...");
}
