using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Presence.Sip.Auth;

/// <summary>
/// Decoder for RFC 8187 <c>ext-value</c> (<c>charset "'" [ language ] "'" value-chars</c>),
/// which RFC 7616 §3.4.4 uses for <c>username*</c> when the user name cannot be sent as a
/// plain quoted-string.
/// </summary>
internal static class ExtendedParameterValue
{
    // RFC 8187 §3.2.1 attr-char; anything else must be percent-encoded.
    private static readonly SearchValues<char> AttrChars = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~");

    /// <summary>
    /// Decodes <paramref name="extValue"/>. Only the two charsets RFC 8187 §3.2.1 requires
    /// (UTF-8 and ISO-8859-1) are accepted; the language tag is ignored because it has no
    /// bearing on the name being hashed. Decoded control characters are rejected for the same
    /// reason as in quoted strings.
    /// </summary>
    internal static bool TryDecode(string extValue, out string decoded, out string error)
    {
        decoded = "";
        ReadOnlySpan<char> s = extValue;
        int firstQuote = s.IndexOf('\'');
        int secondQuote = firstQuote < 0 ? -1 : s[(firstQuote + 1)..].IndexOf('\'');
        if (secondQuote < 0)
        {
            error = "username* is not an RFC 8187 ext-value";
            return false;
        }

        ReadOnlySpan<char> charset = s[..firstQuote];
        ReadOnlySpan<char> chars = s[(firstQuote + 1 + secondQuote + 1)..];
        bool utf8 = charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase);
        if (!utf8 && !charset.Equals("ISO-8859-1", StringComparison.OrdinalIgnoreCase))
        {
            error = "username* uses an unsupported charset";
            return false;
        }

        // Every output byte consumes at least one input char, so chars.Length bounds the size.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, chars.Length));
        try
        {
            int written = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c == '%')
                {
                    if (i + 2 >= chars.Length || !IsHex(chars[i + 1]) || !IsHex(chars[i + 2]))
                    {
                        error = "username* has a malformed percent-encoding";
                        return false;
                    }

                    buffer[written++] = (byte)((HexValue(chars[i + 1]) << 4) | HexValue(chars[i + 2]));
                    i += 2;
                }
                else if (AttrChars.Contains(c))
                {
                    buffer[written++] = (byte)c;
                }
                else
                {
                    error = "username* contains a character that must be percent-encoded";
                    return false;
                }
            }

            ReadOnlySpan<byte> bytes = buffer.AsSpan(0, written);
            if (utf8 && !Utf8.IsValid(bytes))
            {
                error = "username* is not valid UTF-8";
                return false;
            }

            decoded = utf8 ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
            foreach (char c in decoded)
            {
                if (AuthParamParser.IsControl(c))
                {
                    decoded = "";
                    error = "username* contains a control character";
                    return false;
                }
            }

            error = "";
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
