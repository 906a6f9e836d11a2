using System.Text;

namespace Presence.Sip.Headers;

/// <summary>The canonical spelling of escaped URI text, for names that are compared and written back out.</summary>
internal static class UriEscaping
{
    /// <summary>
    /// Decodes the escapes of unreserved characters and leaves every other escape as it is, in upper case. RFC 3261
    /// §19.1.4 makes "%61lice" and "alice" the same user but not "%3B" and ";", and decoding everything would also
    /// turn "%0D%0A" into a line break inside a name we later put in a header field (an AOR is a NOTIFY's From).
    /// The parser has already checked that every '%' starts an escape.
    /// </summary>
    public static string CanonicalUser(string user)
    {
        if (!user.Contains('%', StringComparison.Ordinal))
            return user;
        var canonical = new StringBuilder(user.Length);
        for (int i = 0; i < user.Length; i++)
        {
            if (user[i] != '%' || i + 2 >= user.Length || !char.IsAsciiHexDigit(user[i + 1]) || !char.IsAsciiHexDigit(user[i + 2]))
            {
                canonical.Append(user[i]);
                continue;
            }
            char decoded = (char)Convert.ToByte(user.Substring(i + 1, 2), 16);
            if (IsUnreserved(decoded))
                canonical.Append(decoded);
            else
                canonical.Append('%').Append(char.ToUpperInvariant(user[i + 1])).Append(char.ToUpperInvariant(user[i + 2]));
            i += 2;
        }
        return canonical.ToString();
    }

    // RFC 3261 §25.1: unreserved = alphanum / mark.
    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '!' or '~' or '*' or '\'' or '(' or ')';
}
