using System.Buffers.Text;
using System.Globalization;

namespace Presence.LoadGen.Documents;

/// <summary>
/// Names a change inside the document it produces, so that a NOTIFY can be traced to the PUBLISH or REGISTER that
/// caused it: "lgm-" and the change's sequence number, carried where the server copies it into the composite document
/// (a DND comment, an alternative contact, a registered Contact).
/// </summary>
internal static class ChangeMarker
{
    private static ReadOnlySpan<byte> Prefix => "lgm-"u8;

    public static string Format(long seq) => "lgm-" + seq.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The highest marker in <paramref name="body"/>: a document can list two (an old registered contact beside a new
    /// one), and the newest is the change it reports.
    /// </summary>
    public static bool TryFindLatest(ReadOnlySpan<byte> body, out long seq)
    {
        seq = 0;
        bool found = false;
        while (true)
        {
            int at = body.IndexOf(Prefix);
            if (at < 0)
                return found;
            body = body[(at + Prefix.Length)..];
            if (Utf8Parser.TryParse(body, out long value, out int consumed) && consumed > 0 && value > 0)
            {
                found = true;
                seq = Math.Max(seq, value);
                body = body[consumed..];
            }
        }
    }
}
