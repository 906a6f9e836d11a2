using System.Text;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>Checks of the raw bytes the server sends, for the header-injection cases.</summary>
public static class WireCheck
{
    /// <summary>The header name every injection attempt tries to smuggle in.</summary>
    public const string Marker = "X-Injected";

    /// <summary>
    /// Fails when <paramref name="raw"/> is not a cleanly delimited SIP message: a CR or LF that is not part of a CRLF
    /// (RFC 3261 §7: lines end in CRLF, and some parsers end them at a lone CR or LF), a folded line (legal, RFC 3261
    /// §7.3.1, but this server never needs to write one, and naive parsers split there), or a header field named
    /// <see cref="Marker"/>. Returns the header names, in order.
    /// </summary>
    public static IReadOnlyList<string> AssertNotSplit(byte[] raw, string what)
    {
        string text = Encoding.Latin1.GetString(raw);
        int headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headerEnd > 0, $"{what}: no end of the header section in:\n{Show(text)}");
        string head = text[..headerEnd];
        for (int i = 0; i < head.Length; i++)
        {
            bool crlf = head[i] == '\r' && i + 1 < head.Length && head[i + 1] == '\n';
            bool lfOfCrlf = head[i] == '\n' && i > 0 && head[i - 1] == '\r';
            Assert.False(head[i] is '\r' or '\n' && !crlf && !lfOfCrlf, $"{what}: a lone CR or LF at byte {i} of:\n{Show(text)}");
            Assert.False(head[i] == '\0', $"{what}: a NUL at byte {i} of:\n{Show(text)}");
        }
        var names = new List<string>();
        foreach (string line in head.Split("\r\n").Skip(1))
        {
            Assert.False(line.Length == 0 || line[0] is ' ' or '\t', $"{what}: a folded or empty line in:\n{Show(text)}");
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            Assert.True(colon > 0, $"{what}: a header line without a name in:\n{Show(text)}");
            string name = line[..colon].Trim();
            Assert.False(name.Equals(Marker, StringComparison.OrdinalIgnoreCase), $"{what}: the injected header came through:\n{Show(text)}");
            names.Add(name);
        }
        return names;
    }

    private static string Show(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n\n", StringComparison.Ordinal);
}
