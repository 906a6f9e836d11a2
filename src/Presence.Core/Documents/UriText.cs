namespace Presence.Core.Documents;

/// <summary>
/// Checks a URI taken from a published document before the server echoes it: alternative contacts and voicemail
/// end up in Contact header fields of 302 responses (RFC 3261 §21.3.3), so they must not be able to carry
/// whitespace, angle brackets or quotes that would break out of a name-addr.
/// </summary>
internal static class UriText
{
    /// <summary>An absolute URI: scheme ":" something (RFC 3986 §3.1), with no character a header field cannot hold.</summary>
    public static bool IsPlausible(string text)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0 || colon == text.Length - 1 || !char.IsAsciiLetter(text[0]))
            return false;
        for (int i = 1; i < colon; i++)
        {
            char c = text[i];
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
                return false;
        }
        foreach (char c in text.AsSpan(colon + 1))
        {
            if (c <= ' ' || c is '<' or '>' or '"' or '\u007f')
                return false;
        }
        return true;
    }
}
