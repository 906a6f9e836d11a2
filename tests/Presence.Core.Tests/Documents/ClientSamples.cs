namespace Presence.Core.Tests.Documents;

/// <summary>The PIDF bodies real clients publish, rebuilt from their source code and SPEC.md's observations.</summary>
internal static class ClientSamples
{
    /// <summary>
    /// baresip 1.0, modules/presence/publisher.c, publish(): a fixed template with CRLF line ends, an empty
    /// &lt;rpid:activities/&gt; in a person, and one tuple whose contact is the account's AOR. Its basic is "open" or
    /// "closed" (menu "presence open/closed"); newer versions print "unknown" until the first registration succeeds.
    /// </summary>
    public static string Baresip(string basic) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\r\n"
        + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"\r\n"
        + "    xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\"\r\n"
        + "    xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\"\r\n"
        + "    entity=\"sip:alice@example.com\">\r\n"
        + "  <dm:person id=\"p4159\"><rpid:activities/></dm:person>\r\n"
        + "  <tuple id=\"t4109\">\r\n"
        + "    <status>\r\n"
        + $"      <basic>{basic}</basic>\r\n"
        + "    </status>\r\n"
        + "    <contact>sip:alice@example.com</contact>\r\n"
        + "  </tuple>\r\n"
        + "</presence>\r\n";

    /// <summary>
    /// linphone 5.1 (liblinphone, coreapi/presence.c, linphone_presence_model_to_xml): libxml2's text writer with
    /// one-space indentation; a tuple (generated id) with basic, &lt;contact priority="0.8"&gt; set to the identity
    /// and a timestamp; then, only when there is an RFC 4480 activity, a dm:person holding rpid:activities and an
    /// unprefixed timestamp. "online" and "offline" are not RFC activities, so they write no person. The state to
    /// document mapping is SPEC.md "What real clients publish": online = open; away and busy = open + away; on the
    /// phone = open + on-the-phone; do-not-disturb = closed + away; offline = closed. No note.
    /// </summary>
    public static string Linphone(string basic, string? activity)
    {
        string person = activity is null
            ? string.Empty
            : " <dm:person id=\"ouyk1q\">\n"
              + "  <rpid:activities>\n"
              + $"   <rpid:{activity}/>\n"
              + "  </rpid:activities>\n"
              + "  <timestamp>2024-03-05T09:14:02Z</timestamp>\n"
              + " </dm:person>\n";
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" "
            + "xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"sip:bob@example.org\">\n"
            + " <tuple id=\"qmf8rz\">\n"
            + "  <status>\n"
            + $"   <basic>{basic}</basic>\n"
            + "  </status>\n"
            + "  <contact priority=\"0.8\">sip:bob@example.org</contact>\n"
            + "  <timestamp>2024-03-05T09:14:02Z</timestamp>\n"
            + " </tuple>\n"
            + person
            + "</presence>\n";
    }

    public static string LinphoneOnline => Linphone("open", null);
    public static string LinphoneAway => Linphone("open", "away");
    public static string LinphoneOnThePhone => Linphone("open", "on-the-phone");
    public static string LinphoneDoNotDisturb => Linphone("closed", "away");
    public static string LinphoneOffline => Linphone("closed", null);

    /// <summary>RFC 4235 §4.1: one dialog of the monitored user with the given direction (none when null) and state.</summary>
    public static string DialogInfo(params (string? Direction, string State)[] dialogs)
    {
        var body = new System.Text.StringBuilder();
        body.Append("<?xml version=\"1.0\"?>\n")
            .Append("<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"1\" state=\"full\" ")
            .Append("entity=\"sip:alice@example.com\">\n");
        for (int i = 0; i < dialogs.Length; i++)
        {
            string direction = dialogs[i].Direction is null ? string.Empty : $" direction=\"{dialogs[i].Direction}\"";
            body.Append($"  <dialog id=\"d{i}\" call-id=\"c{i}@192.0.2.1\" local-tag=\"l{i}\"{direction}>\n")
                .Append($"    <state>{dialogs[i].State}</state>\n")
                .Append("    <remote><identity>sip:bob@example.com</identity><target uri=\"sip:bob@192.0.2.2\"/></remote>\n")
                .Append("  </dialog>\n");
        }
        return body.Append("</dialog-info>\n").ToString();
    }
}
