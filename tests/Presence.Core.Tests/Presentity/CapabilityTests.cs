using System.Text;
using System.Text.RegularExpressions;
using Presence.Core.Composite;
using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>
/// Communication capabilities (issue 19): what devices say in REGISTER (RFC 3840) and PUBLISH (RFC 5196, RFC 4479),
/// how the composite merges them per device, and how caller preferences (RFC 3841) order a 302.
/// </summary>
public sealed partial class CapabilityTests
{
    private const string Softphone = "sip:alice@192.0.2.1:5060";
    private const string DeskPhone = "sip:alice@192.0.2.2:5060";
    private const string SoftphoneInstance = "\"<urn:uuid:00000000-0000-1000-8000-00a0c91e6bf6>\"";
    private const string SoftphoneDevice = "urn:uuid:00000000-0000-1000-8000-00a0c91e6bf6";

    private static PresenceOutcome Register(PresentityHarness h, string contact, double q, string callId, string? instance, params string[] features) =>
        h.User.Register(new RegisterRequest(
            [new ContactRequest(contact, null, q, instance, DeviceCapabilities.FromFeatureParameters(features))], false, 600, callId, h.CSeq++, null), h.Now);

    private static string Document(PresentityHarness h) => Encoding.UTF8.GetString(h.User.Document(h.Now));

    private static List<string> Tuples(string document) => TupleElement().Matches(document).Select(m => m.Value).ToList();

    [GeneratedRegex("<tuple[\\s\\S]*?</tuple>")]
    private static partial Regex TupleElement();

    [Fact]
    public void Service_and_device_capabilities_are_read_from_a_published_document()
    {
        byte[] body = Encoding.UTF8.GetBytes($"""
            <?xml version="1.0" encoding="UTF-8"?>
            <presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:caps="urn:ietf:params:xml:ns:pidf:caps"
                      xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:alice@example.com">
              <tuple id="a1">
                <status><basic>open</basic></status>
                <caps:servcaps>
                  <caps:audio>true</caps:audio>
                  <caps:description xml:lang="en">Softphone</caps:description>
                  <caps:duplex><caps:supported><caps:full/></caps:supported></caps:duplex>
                  <caps:message>true</caps:message>
                  <caps:methods><caps:supported><caps:INVITE/><caps:MESSAGE/></caps:supported></caps:methods>
                  <caps:type>Text/Plain</caps:type>
                  <caps:type>not a type</caps:type>
                  <caps:video>maybe</caps:video>
                </caps:servcaps>
                <dm:deviceID>{SoftphoneDevice}</dm:deviceID>
                <contact>sip:alice@192.0.2.9</contact>
              </tuple>
              <tuple id="a2">
                <status><basic>closed</basic><caps:servcaps><caps:video>false</caps:video></caps:servcaps></status>
              </tuple>
              <tuple id="a3"><status><basic>open</basic></status><contact>sip:alice@192.0.2.10</contact></tuple>
              <dm:device id="d1">
                <caps:devcaps><caps:mobility><caps:supported><caps:mobile/></caps:supported></caps:mobility></caps:devcaps>
                <dm:deviceID>{SoftphoneDevice}</dm:deviceID>
              </dm:device>
            </presence>
            """);
        Assert.True(PresenceDocumentReader.TryRead(Pidf.ContentType, body, out PublishedState? state, out string error), error);

        Assert.Equal(2, state!.Services.Count);
        PublishedService soft = state.Services[0];
        Assert.Equal(("sip:alice@192.0.2.9", SoftphoneDevice, true), (soft.Contact, soft.DeviceId, soft.Open));
        Assert.Equal((true, (bool?)null, true), (soft.Capabilities.Audio, soft.Capabilities.Video, soft.Capabilities.Message));
        Assert.Equal(("full", "Softphone"), (soft.Capabilities.Duplex, soft.Capabilities.Description));
        Assert.Equal(["text/plain"], soft.Capabilities.Types!);
        // Inside a status (where this server wrote it before), a tuple without contact: read, kept with its tuple.
        Assert.Equal((null, false, false), (state.Services[1].Contact, state.Services[1].Open, state.Services[1].Capabilities.Video));

        PublishedDevice device = Assert.Single(state.Devices);
        Assert.Equal((SoftphoneDevice, "mobile", (string?)null), (device.DeviceId, device.Mobility, device.Description));
    }

    [Fact]
    public void A_published_servcaps_overrides_the_registration_per_capability_and_ends_with_its_publication()
    {
        var h = new PresentityHarness();
        Register(h, Softphone, 1.0, "soft", SoftphoneInstance, "audio", "video", "methods=\"INVITE,BYE,MESSAGE\"");
        Register(h, DeskPhone, 1.0, "desk", null, "audio", "mobility=\"fixed\"", "description=\"<Desk phone>\"");

        List<string> tuples = Tuples(Document(h));
        Assert.Equal(2, tuples.Count);
        Assert.Contains($"<dm:deviceID>{SoftphoneDevice}</dm:deviceID>", tuples[0], StringComparison.Ordinal);
        Assert.Contains("<caps:video>true</caps:video>", tuples[0], StringComparison.Ordinal);
        Assert.Contains("<caps:description>Desk phone</caps:description>", tuples[1], StringComparison.Ordinal);
        Assert.DoesNotContain("deviceID", tuples[1], StringComparison.Ordinal);

        // The softphone's camera goes off: it publishes video false for its device (by deviceID, with its AOR as
        // contact, as clients do), and a mobility for its device element.
        byte[] body = Encoding.UTF8.GetBytes($"""
            <presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:caps="urn:ietf:params:xml:ns:pidf:caps"
                      xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:alice@example.com">
              <tuple id="x"><status><basic>open</basic></status>
                <caps:servcaps><caps:text>true</caps:text><caps:video>false</caps:video></caps:servcaps>
                <dm:deviceID>{SoftphoneDevice}</dm:deviceID><contact>sip:alice@example.com</contact></tuple>
              <dm:device id="d"><caps:devcaps><caps:mobility><caps:supported><caps:mobile/></caps:supported></caps:mobility></caps:devcaps>
                <dm:deviceID>{SoftphoneDevice}</dm:deviceID></dm:device>
            </presence>
            """);
        Assert.Equal(200, h.Publish(body, expires: 60).StatusCode);
        string document = Document(h);
        tuples = Tuples(document);
        // Video from the PUBLISH, audio and message still from the REGISTER, text added.
        foreach (string expected in new[] { "<caps:audio>true</caps:audio>", "<caps:message>true</caps:message>", "<caps:text>true</caps:text>", "<caps:video>false</caps:video>" })
            Assert.Contains(expected, tuples[0], StringComparison.Ordinal);
        Assert.Contains($"<dm:device id=\"d1\">\n    <caps:devcaps xmlns:caps=\"urn:ietf:params:xml:ns:pidf:caps\">\n      <caps:mobility><caps:supported><caps:mobile/></caps:supported></caps:mobility>\n    </caps:devcaps>\n    <dm:deviceID>{SoftphoneDevice}</dm:deviceID>\n  </dm:device>",
            document, StringComparison.Ordinal);
        // The desk phone's own device element carries its description and mobility only if it has a device ID.
        Assert.Single(Regex.Matches(document, "<dm:device "));

        // The publication expires: the registration's capabilities are back, the device element gone.
        h.Advance(TimeSpan.FromSeconds(61));
        document = Document(h);
        Assert.Contains("<caps:video>true</caps:video>", Tuples(document)[0], StringComparison.Ordinal);
        Assert.DoesNotContain("<caps:text>", document, StringComparison.Ordinal);
        Assert.DoesNotContain("<dm:device ", document, StringComparison.Ordinal);
    }

    [Fact]
    public void An_open_published_contact_brings_its_own_capabilities_and_the_writer_keeps_the_schema_order()
    {
        var h = new PresentityHarness();
        byte[] body = Encoding.UTF8.GetBytes("""
            <presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:caps="urn:ietf:params:xml:ns:pidf:caps" entity="sip:alice@example.com">
              <tuple id="m"><status><basic>open</basic></status>
                <caps:servcaps><caps:video>false</caps:video><caps:audio>true</caps:audio><caps:type>text/plain</caps:type><caps:automata>false</caps:automata></caps:servcaps>
                <contact priority="0.8">tel:+15551234567</contact></tuple>
            </presence>
            """);
        Assert.Equal(200, h.Publish(body).StatusCode);
        string tuple = Assert.Single(Tuples(Document(h)));
        // RFC 5196's schema is a sequence: audio, automata, ..., type, video; then the contact.
        Assert.Contains("""
                </status>
                <caps:servcaps xmlns:caps="urn:ietf:params:xml:ns:pidf:caps">
                  <caps:audio>true</caps:audio>
                  <caps:automata>false</caps:automata>
                  <caps:type>text/plain</caps:type>
                  <caps:video>false</caps:video>
                </caps:servcaps>
                <contact priority="0.8">tel:+15551234567</contact>
            """.Replace("\r", "", StringComparison.Ordinal), tuple, StringComparison.Ordinal);

        // What the server writes reads back the same (a client echoing the document publishes nothing new).
        Assert.True(PresenceDocumentReader.TryRead(Pidf.ContentType, h.User.Document(h.Now), out PublishedState? echoed, out string error), error);
        PublishedService service = Assert.Single(echoed!.Services);
        Assert.Equal(("tel:+15551234567", (bool?)true, (bool?)false, (bool?)false), (service.Contact, service.Capabilities.Audio, service.Capabilities.Automata, service.Capabilities.Video));
        Assert.Equal(["text/plain"], service.Capabilities.Types!);
    }

    [Fact]
    public void Caller_preferences_order_the_redirect_as_the_example_of_RFC_3841_section_7_2_5()
    {
        ReachableContact Contact(string user, double q, params string[] features) =>
            new($"sip:{user}@h.example.com", q, Registered: true, DeviceCapabilities.FromFeatureParameters(features));
        IReadOnlyList<ReachableContact> targets =
        [
            Contact("u5", 0.5),
            Contact("u3", 0.3, "audio", "actor=\"msg-taker\"", "methods=\"INVITE\"", "video"),
            Contact("u1", 0.2, "audio", "video", "methods=\"INVITE,BYE\""),
            Contact("u2", 0.2, "audio=\"FALSE\"", "methods=\"INVITE\"", "actor=\"msg-taker\""),
            Contact("u4", 0.2, "audio", "methods=\"INVITE,OPTIONS\""),
        ];
        var preferences = new CallerPreferences(
            ["*;audio;require", "*;video;explicit", "*;methods=\"BYE\";class=\"business\";q=1.0"], ["*;actor=\"msg-taker\";video"], "INVITE", OffersVideo: false);

        IReadOnlyList<ReachableContact> ordered = CallerPreferenceRules.Order(targets, preferences);

        // u3 rejected, u2 fails a required predicate; u1 (Qa 0.83) before u4 (Qa 0.5) in q 0.2, which the q-values say.
        Assert.Equal(["sip:u5@h.example.com", "sip:u1@h.example.com", "sip:u4@h.example.com"], ordered.Select(c => c.Uri));
        Assert.Equal([0.5, 0.2, 0.199], ordered.Select(c => c.Priority));
    }

    [Fact]
    public void Without_explicit_preferences_the_method_and_the_offered_video_decide_within_one_q()
    {
        var h = new PresentityHarness();
        Register(h, DeskPhone, 1.0, "desk", null, "audio", "video=\"FALSE\"", "methods=\"INVITE,ACK,BYE,CANCEL\"");
        Register(h, "sip:alice@192.0.2.3:5060", 1.0, "plain", null);
        Register(h, Softphone, 1.0, "soft", SoftphoneInstance, "audio", "video", "methods=\"INVITE,ACK,BYE,CANCEL,MESSAGE\"");
        Register(h, "sip:alice@192.0.2.4:5060", 0.5, "old", null, "audio", "video");

        string[] Route(CallerPreferences? p) => h.User.Route(h.Now, p).Redirect!.Select(c => $"{c.Uri} {c.Priority:0.###}").ToArray();

        // No preferences: the callee's q, then the contact (as before).
        Assert.Equal(["sip:alice@192.0.2.1:5060 1", "sip:alice@192.0.2.2:5060 1", "sip:alice@192.0.2.3:5060 1", "sip:alice@192.0.2.4:5060 0.5"],
            Route(new CallerPreferences([], [], "INVITE", OffersVideo: false)));
        // An INVITE offering video: the softphone (video), the phone that said nothing, then the desk phone (no video);
        // the q-values now say so. The q 0.5 contact stays last: the callee's order is never overridden.
        Assert.Equal(["sip:alice@192.0.2.1:5060 1", "sip:alice@192.0.2.3:5060 0.999", "sip:alice@192.0.2.2:5060 0.998", "sip:alice@192.0.2.4:5060 0.5"],
            Route(new CallerPreferences([], [], "INVITE", OffersVideo: true)));
        // A MESSAGE: the desk phone lists its methods without MESSAGE and is left out (implicit preference, required).
        Assert.Equal(["sip:alice@192.0.2.1:5060 1", "sip:alice@192.0.2.3:5060 0.999", "sip:alice@192.0.2.4:5060 0.5"],
            Route(new CallerPreferences([], [], "MESSAGE", OffersVideo: false)));

        // A device asked for by its instance (RFC 5627): the ones with other features lack it and go; the immune stays.
        Assert.Equal(["sip:alice@192.0.2.1:5060 1", "sip:alice@192.0.2.3:5060 1"],
            Route(new CallerPreferences([$"*;+sip.instance={SoftphoneInstance};require;explicit"], [], "INVITE", false)));
    }

    [Fact]
    public void Require_keeps_devices_that_said_nothing_unless_explicit_and_explicit_preferences_may_leave_none()
    {
        var h = new PresentityHarness();
        Register(h, Softphone, 1.0, "soft", null, "audio", "video");
        Register(h, DeskPhone, 1.0, "desk", null, "audio");
        string[] Route(params string[] accept) => h.User.Route(h.Now, new CallerPreferences(accept, [], "INVITE", false)).Redirect!
            .Select(c => $"{c.Uri} {c.Priority:0.###}").ToArray();

        // The desk phone said nothing about video: it stays, scored 0, after the softphone.
        Assert.Equal(["sip:alice@192.0.2.1:5060 1", "sip:alice@192.0.2.2:5060 0.999"], Route("*;video;require"));
        Assert.Equal(["sip:alice@192.0.2.1:5060 1"], Route("*;video;require;explicit"));
        // Reject-Contact drops only a device that explicitly matches it.
        Assert.Equal(["sip:alice@192.0.2.2:5060 1"],
            h.User.Route(h.Now, new CallerPreferences([], ["*;video"], "INVITE", false)).Redirect!.Select(c => $"{c.Uri} {c.Priority:0.###}"));
        // Nothing left after explicit preferences: 480 (RFC 3841 §7.2.4).
        Assert.Equal(480, h.User.Route(h.Now, new CallerPreferences(["*;automata;require;explicit"], [], "INVITE", false)).StatusCode);
    }

    [Fact]
    public void A_bindings_capabilities_survive_the_store()
    {
        DeviceCapabilities caps = DeviceCapabilities.FromFeatureParameters(["audio", "video=\"FALSE\"", "methods=\"INVITE,MESSAGE\"", "mobility=\"mobile\"", "+sip.newparam"])!;
        var binding = new Binding(Softphone, DateTimeOffset.UnixEpoch.AddDays(1), 0.5, "c", 3, SoftphoneInstance, "udp:192.0.2.1:5060", caps);

        Binding read = Presence.Core.Persistence.PresentityItems.ReadBinding(Presence.Core.Persistence.PresentityItems.Serialize(binding))!;

        Assert.Equal((true, false, true, "mobile"), (read.Capabilities!.Audio, read.Capabilities.Video, read.Capabilities.Message, read.Capabilities.Mobility));
        Assert.Equal(caps.Features!, read.Capabilities.Features!);
        // A row written before capabilities existed reads without them.
        Binding old = Presence.Core.Persistence.PresentityItems.ReadBinding(Encoding.UTF8.GetBytes(
            "{\"contactUri\":\"sip:a@192.0.2.1\",\"expiresAt\":\"2026-01-01T00:00:00+00:00\",\"q\":1,\"callId\":\"c\",\"cSeq\":1}"))!;
        Assert.Null(old.Capabilities);
    }
}
