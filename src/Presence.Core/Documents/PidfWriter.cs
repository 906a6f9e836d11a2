namespace Presence.Core.Documents;

/// <summary>
/// Writes the PIDF document (RFC 3863) watchers receive. Deterministic: the same <see cref="CompositeDocument"/>
/// always gives the same bytes, so the server can compare bytes to decide whether a NOTIFY is due (RFC 3856 §6.7:
/// notify on a change of state, not otherwise).
/// </summary>
/// <remarks>
/// Layout, for standard clients and for those that know the extension alike:
/// <list type="bullet">
/// <item>One tuple per contact (ids t1, t2, … in the caller's order), because RFC 3863 §4.1.2 allows at most one
/// &lt;contact&gt; per tuple; every tuple carries the same status. Without contacts, one tuple without contact.</item>
/// <item>&lt;basic&gt; open for available, busy and ringing; closed for donotdisturb and unreachable; the exact value
/// in &lt;po:extended&gt; inside &lt;status&gt;, where RFC 3863 §4.1.3 admits elements of other namespaces.</item>
/// <item>The capabilities of the device behind each contact as RFC 5196 &lt;caps:servcaps&gt; after the tuple's status,
/// its RFC 4479 &lt;dm:deviceID&gt;, and a &lt;dm:device&gt; with &lt;caps:devcaps&gt; for a device whose mobility or
/// description is known.</item>
/// <item>The comment as each tuple's &lt;note&gt; (RFC 3863 §4.1.6), where clients look for a tuple's note.</item>
/// <item>RPID activities (RFC 4480) in a &lt;dm:person&gt; (RFC 4479), so that clients ignoring the extension
/// still show on-the-phone or busy: busy and ringing are on-the-phone (RPID has no ringing), donotdisturb is busy.</item>
/// </list>
/// Read back by <see cref="PresenceDocumentReader"/>, a closed document (donotdisturb or unreachable) means
/// do-not-disturb with the note as comment, and on-the-phone means busy: the writer's five values are for watchers,
/// and what a client echoes back cannot claim more than basic, note and activities say.
/// </remarks>
public static class PidfWriter
{
    public const string ContentType = "application/pidf+xml";
    public const string ExtensionNamespace = PresenceNamespaces.Extension;

    private const int InitialCapacity = 1024;

    public static byte[] Write(CompositeDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrEmpty(document.Entity);
        foreach (AlternativeContact contact in document.Contacts)
        {
            ArgumentException.ThrowIfNullOrEmpty(contact.Uri);
            if (!ContactPriority.IsInRange(contact.Priority))
                throw new ArgumentOutOfRangeException(nameof(document), contact.Priority, "A contact priority is between 0 and 1 (RFC 3863 §4.1.5).");
        }

        var xml = new Utf8XmlBuilder(InitialCapacity);
        try
        {
            xml.Raw("""
                <?xml version="1.0" encoding="UTF-8"?>
                <presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:po="urn:presence-orleans:params:xml:ns:pidf-ext" entity="
                """u8);
            xml.Attribute(document.Entity);
            xml.Raw("\">\n"u8);

            int tuples = Math.Max(1, document.Contacts.Count);
            for (int i = 0; i < tuples; i++)
                WriteTuple(ref xml, document, i + 1, i < document.Contacts.Count ? document.Contacts[i] : null);

            WritePerson(ref xml, Activities(document));
            WriteDevices(ref xml, document.Contacts);
            xml.Raw("</presence>\n"u8);
            return xml.ToArray();
        }
        finally
        {
            xml.Dispose();
        }
    }

    /// <summary>
    /// The document a polite-blocked watcher receives: basic closed and nothing else, not even the extension's
    /// namespace, so that it cannot tell polite-block from a user who is simply closed.
    /// </summary>
    public static byte[] WriteClosedOnly(string entity)
    {
        ArgumentException.ThrowIfNullOrEmpty(entity);
        var xml = new Utf8XmlBuilder(InitialCapacity);
        try
        {
            xml.Raw("""
                <?xml version="1.0" encoding="UTF-8"?>
                <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="
                """u8);
            xml.Attribute(entity);
            xml.Raw("""
                ">
                  <tuple id="t1">
                    <status>
                      <basic>closed</basic>
                    </status>
                  </tuple>
                </presence>

                """u8);
            return xml.ToArray();
        }
        finally
        {
            xml.Dispose();
        }
    }

    /// <summary>RFC 3863 §4.1.2 child order: status, other namespaces (servcaps, deviceID), contact, note, timestamp.</summary>
    private static void WriteTuple(ref Utf8XmlBuilder xml, CompositeDocument document, int number, AlternativeContact? contact)
    {
        xml.Raw("  <tuple id=\"t"u8);
        xml.Integer(number);
        xml.Raw("\">\n    <status>\n      <basic>"u8);
        xml.Raw(IsOpen(document.Status) ? "open"u8 : "closed"u8);
        xml.Raw("</basic>\n      <po:extended>"u8);
        xml.Raw(ExtendedValue(document.Status));
        xml.Raw("</po:extended>\n    </status>\n"u8);
        if (contact?.Capabilities is { Any: true } caps)
            WriteServiceCapabilities(ref xml, caps);
        if (contact?.DeviceId is { } device)
        {
            xml.Raw("    <dm:deviceID>"u8);
            xml.Text(device);
            xml.Raw("</dm:deviceID>\n"u8);
        }
        if (contact is not null)
        {
            xml.Raw("    <contact priority=\""u8);
            xml.Priority(contact.Priority);
            xml.Raw("\">"u8);
            xml.Text(contact.Uri);
            xml.Raw("</contact>\n"u8);
        }
        if (!string.IsNullOrEmpty(document.Note))
        {
            xml.Raw("    <note>"u8);
            xml.Text(document.Note);
            xml.Raw("</note>\n"u8);
        }
        if (document.Timestamp is { } timestamp)
        {
            xml.Raw("    <timestamp>"u8);
            xml.Timestamp(timestamp);
            xml.Raw("</timestamp>\n"u8);
        }
        xml.Raw("  </tuple>\n"u8);
    }

    /// <summary>
    /// RFC 5196 §3.2: the service capabilities of the device the tuple's contact reaches, a child of the tuple after its
    /// status, children in the schema's order; only what the device said.
    /// </summary>
    private static void WriteServiceCapabilities(ref Utf8XmlBuilder xml, Model.DeviceCapabilities caps)
    {
        xml.Raw("    <caps:servcaps xmlns:caps=\"urn:ietf:params:xml:ns:pidf:caps\">\n"u8);
        CapsBoolean(ref xml, "audio"u8, caps.Audio);
        CapsBoolean(ref xml, "automata"u8, caps.Automata);
        if (caps.Description is { } description)
            CapsText(ref xml, "description"u8, description);
        // Only RFC 5196's four duplex names reach here (DeviceCapabilities keeps no other).
        if (caps.Duplex is { } duplex)
            CapsSupported(ref xml, "duplex"u8, duplex);
        CapsBoolean(ref xml, "message"u8, caps.Message);
        CapsBoolean(ref xml, "text"u8, caps.Text);
        foreach (string type in caps.Types ?? [])
            CapsText(ref xml, "type"u8, type);
        CapsBoolean(ref xml, "video"u8, caps.Video);
        xml.Raw("    </caps:servcaps>\n"u8);
    }

    private static void CapsBoolean(ref Utf8XmlBuilder xml, ReadOnlySpan<byte> name, bool? value)
    {
        if (value is { } v)
            CapsText(ref xml, name, v ? "true" : "false");
    }

    /// <summary><c>&lt;caps:name&gt;text&lt;/caps:name&gt;</c> on a line of its own, inside servcaps or devcaps.</summary>
    private static void CapsText(ref Utf8XmlBuilder xml, ReadOnlySpan<byte> name, string text)
    {
        xml.Raw("      <caps:"u8);
        xml.Raw(name);
        xml.Raw(">"u8);
        xml.Text(text);
        xml.Raw("</caps:"u8);
        xml.Raw(name);
        xml.Raw(">\n"u8);
    }

    /// <summary>RFC 5196's list form with one supported value: <c>&lt;caps:name&gt;&lt;caps:supported&gt;&lt;caps:value/&gt;…</c>.</summary>
    private static void CapsSupported(ref Utf8XmlBuilder xml, ReadOnlySpan<byte> name, string value)
    {
        xml.Raw("      <caps:"u8);
        xml.Raw(name);
        xml.Raw("><caps:supported><caps:"u8);
        xml.Text(value);
        xml.Raw("/></caps:supported></caps:"u8);
        xml.Raw(name);
        xml.Raw(">\n"u8);
    }

    /// <summary>
    /// RFC 4479 §3.4 devices with RFC 5196 §3.3 device capabilities: one &lt;dm:device&gt; per device ID whose mobility
    /// or description is known, after the tuples and the person.
    /// </summary>
    private static void WriteDevices(ref Utf8XmlBuilder xml, IReadOnlyList<AlternativeContact> contacts)
    {
        int number = 0;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (AlternativeContact contact in contacts)
        {
            if (contact.DeviceId is not { } id || contact.Capabilities is not { } caps || (caps.Mobility is null && caps.Description is null) || !seen.Add(id))
                continue;
            xml.Raw("  <dm:device id=\"d"u8);
            xml.Integer(++number);
            xml.Raw("\">\n    <caps:devcaps xmlns:caps=\"urn:ietf:params:xml:ns:pidf:caps\">\n"u8);
            if (caps.Description is { } description)
                CapsText(ref xml, "description"u8, description);
            if (caps.Mobility is { } mobility)
                CapsSupported(ref xml, "mobility"u8, mobility);
            xml.Raw("    </caps:devcaps>\n    <dm:deviceID>"u8);
            xml.Text(id);
            xml.Raw("</dm:deviceID>\n  </dm:device>\n"u8);
        }
    }

    private static void WritePerson(ref Utf8XmlBuilder xml, List<string> activities)
    {
        if (activities.Count == 0)
            return;
        xml.Raw("  <dm:person id=\"p1\">\n    <rpid:activities>\n"u8);
        foreach (string activity in activities)
        {
            xml.Raw("      <rpid:"u8);
            // Only names from RFC 4480's list reach here: valid XML names that need no escaping.
            xml.Text(activity);
            xml.Raw("/>\n"u8);
        }
        xml.Raw("    </rpid:activities>\n  </dm:person>\n"u8);
    }

    /// <summary>The activities implied by the status first, then the caller's standard ones, each once.</summary>
    private static List<string> Activities(CompositeDocument document)
    {
        var activities = new List<string>();
        switch (document.Status)
        {
            case ExtendedStatus.Busy:
            case ExtendedStatus.Ringing:
                activities.Add(RpidActivities.OnThePhone);
                break;
            case ExtendedStatus.DoNotDisturb:
                activities.Add(RpidActivities.Busy);
                break;
        }
        foreach (string extra in document.Activities)
        {
            string? standard = RpidActivities.Standard(extra);
            if (standard is not null && !activities.Contains(standard))
                activities.Add(standard);
        }
        return activities;
    }

    private static bool IsOpen(ExtendedStatus status) =>
        status is ExtendedStatus.Available or ExtendedStatus.Busy or ExtendedStatus.Ringing;

    private static ReadOnlySpan<byte> ExtendedValue(ExtendedStatus status) => status switch
    {
        ExtendedStatus.Available => "available"u8,
        ExtendedStatus.Busy => "busy"u8,
        ExtendedStatus.Ringing => "ringing"u8,
        ExtendedStatus.DoNotDisturb => "donotdisturb"u8,
        ExtendedStatus.Unreachable => "unreachable"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not an extended status."),
    };
}
