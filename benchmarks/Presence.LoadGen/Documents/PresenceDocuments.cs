using System.Text;

namespace Presence.LoadGen.Documents;

/// <summary>What a simulated client says it is doing; the three take turns so that every composite status is exercised.</summary>
internal enum PublishedActivity
{
    Available,
    OnThePhone,
    DoNotDisturb,
}

/// <summary>
/// The PIDF documents the simulated clients publish (RFC 3863 with RPID and the project's extension). Each carries its
/// change marker where the server's composite document repeats it: an alternative contact (listed while the user is
/// not registered) and, for do-not-disturb, the comment (the composite's note). Padding in an extension element of
/// our own namespace, which the server passes over, brings a document to the size asked for (Skype for Business
/// clients publish about 4 KB of categories).
/// </summary>
internal static class PresenceDocuments
{
    public const string ContentType = "application/pidf+xml";

    public const string DialogInfoContentType = "application/dialog-info+xml";

    /// <summary>
    /// A phone's call state (RFC 4235) for the dialog package: each change a new incoming call, ringing (early) or
    /// answered (confirmed) in turn, its id and Call-ID the change marker, which the notifier's full-state document
    /// repeats.
    /// </summary>
    public static byte[] DialogInfo(string aor, long seq)
    {
        string marker = ChangeMarker.Format(seq);
        return Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + $"<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"{seq}\" state=\"full\" entity=\"{aor}\">\n"
            + $"  <dialog id=\"{marker}\" call-id=\"{marker}@loadgen.invalid\" direction=\"recipient\"><state>{(seq % 2 == 0 ? "confirmed" : "early")}</state></dialog>\n"
            + "</dialog-info>\n");
    }

    private static readonly Dictionary<int, string> s_padding = [];

    public static PublishedActivity ActivityFor(long seq) => (PublishedActivity)(seq % 3);

    public static byte[] Pidf(string aor, long seq, int size)
    {
        PublishedActivity activity = ActivityFor(seq);
        string marker = ChangeMarker.Format(seq);
        var xml = new StringBuilder(Math.Max(size, 768) + 256);
        xml.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .Append("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\"")
            .Append(" xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" xmlns:po=\"urn:presence-orleans:params:xml:ns:pidf-ext\"")
            .Append(" entity=\"").Append(aor).Append("\">\n")
            .Append("  <tuple id=\"t1\"><status><basic>")
            .Append(activity == PublishedActivity.DoNotDisturb ? "closed" : "open")
            .Append("</basic></status></tuple>\n");
        if (activity == PublishedActivity.OnThePhone)
            xml.Append("  <dm:person id=\"p1\"><rpid:activities><rpid:on-the-phone/></rpid:activities></dm:person>\n");
        xml.Append("  <po:alternative-contact priority=\"0.5\">sip:").Append(marker).Append("@loadgen.invalid</po:alternative-contact>\n");
        if (activity == PublishedActivity.DoNotDisturb)
            xml.Append("  <po:donotdisturb>In a meeting (").Append(marker).Append(")</po:donotdisturb>\n");
        int closing = "</presence>\n".Length;
        if (size > xml.Length + closing)
            xml.Append(Padding(size - xml.Length - closing));
        xml.Append("</presence>\n");
        return Encoding.UTF8.GetBytes(xml.ToString());
    }

    // A device with calendar and capability categories of the size asked for, built once per size.
    private static string Padding(int size)
    {
        lock (s_padding)
        {
            if (s_padding.TryGetValue(size, out string? cached))
                return cached;
            const string open = "  <dm:device id=\"d1\"><dm:deviceID>urn:uuid:5f1c0b4e-0000-4000-8000-000000000001</dm:deviceID>\n"
                + "    <lg:categories xmlns:lg=\"urn:presence-orleans:loadgen\">\n";
            const string close = "    </lg:categories>\n  </dm:device>\n";
            var padding = new StringBuilder(open, size + 128);
            for (int i = 0; padding.Length + close.Length < size; i++)
            {
                padding.Append("      <lg:category name=\"calendarData\" instance=\"").Append(i)
                    .Append("\">FreeBusy 000000002222000011110000222200000000</lg:category>\n");
            }
            string text = padding.Append(close).ToString();
            s_padding[size] = text;
            return text;
        }
    }
}
