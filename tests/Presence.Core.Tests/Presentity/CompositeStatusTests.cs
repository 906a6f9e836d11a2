using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>The five composite values of SPEC.md and the order of their rules.</summary>
public sealed class CompositeStatusTests
{
    [Fact]
    public void A_new_user_is_unreachable()
    {
        var h = new PresentityHarness();
        Assert.Equal(ExtendedStatus.Unreachable, h.Status);
    }

    [Fact]
    public void Registered_user_is_available_with_its_contacts()
    {
        var h = new PresentityHarness();
        h.Register(q: 0.7);
        h.Register("sip:alice@192.0.2.2:5060", q: 1.0);
        var composite = h.User.Composite(h.Now);
        Assert.Equal(ExtendedStatus.Available, composite.Status);
        Assert.Equal(["sip:alice@192.0.2.2:5060", "sip:alice@192.0.2.1:5060"], composite.DocumentContacts.Select(c => c.Uri));
    }

    [Fact]
    public void In_a_call_is_busy_and_ringing_prevails_over_busy()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Publish(Pidf.Dialog("confirmed"), contentType: Pidf.DialogInfo);
        Assert.Equal(ExtendedStatus.Busy, h.Status);
        h.Publish(Pidf.Dialog("early"), contentType: Pidf.DialogInfo);
        Assert.Equal(ExtendedStatus.Ringing, h.Status);
    }

    [Fact]
    public void On_the_phone_activity_from_a_client_is_busy()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Publish(Pidf.OnThePhone());
        Assert.Equal(ExtendedStatus.Busy, h.Status);
    }

    [Fact]
    public void Do_not_disturb_carries_the_comment_and_prevails_over_ringing()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Publish(Pidf.Dialog("early"), contentType: Pidf.DialogInfo);
        h.Publish(Pidf.Extension("<po:donotdisturb>On holiday until the end of the month</po:donotdisturb>"));
        var composite = h.User.Composite(h.Now);
        Assert.Equal(ExtendedStatus.DoNotDisturb, composite.Status);
        Assert.Equal("On holiday until the end of the month", composite.Note);
    }

    [Fact]
    public void A_client_publishing_closed_declares_do_not_disturb_with_its_note()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Publish(Pidf.Basic("closed", note: "On my lunch break. Back soon"));
        var composite = h.User.Composite(h.Now);
        Assert.Equal(ExtendedStatus.DoNotDisturb, composite.Status);
        Assert.Equal("On my lunch break. Back soon", composite.Note);
    }

    [Fact]
    public void Do_not_disturb_while_unregistered_stays_do_not_disturb()
    {
        var h = new PresentityHarness();
        h.User.SetSettings(new UserSettings(true, "Away", [], null), h.Now);
        Assert.Equal(ExtendedStatus.DoNotDisturb, h.Status);
        h.Register();
        h.Unregister();
        Assert.Equal(ExtendedStatus.DoNotDisturb, h.Status);
    }

    [Fact]
    public void Unregistered_user_with_an_alternative_contact_is_available_and_lists_it()
    {
        var h = new PresentityHarness();
        h.User.SetSettings(new UserSettings(false, null, [new AlternativeContact("tel:+15551234567", 0.8)], null), h.Now);
        var composite = h.User.Composite(h.Now);
        Assert.Equal(ExtendedStatus.Available, composite.Status);
        Assert.Equal("tel:+15551234567", Assert.Single(composite.DocumentContacts).Uri);
    }

    [Fact]
    public void Registered_contacts_take_the_document_and_alternatives_follow_in_routing()
    {
        var h = new PresentityHarness();
        h.Publish(Pidf.Extension("<po:alternative-contact priority=\"0.4\">tel:+15550000001</po:alternative-contact>"));
        h.Register();
        var composite = h.User.Composite(h.Now);
        Assert.Equal(["sip:alice@192.0.2.1:5060"], composite.DocumentContacts.Select(c => c.Uri));
        var route = h.User.Route(h.Now);
        Assert.Equal(302, route.StatusCode);
        Assert.Equal(["sip:alice@192.0.2.1:5060", "tel:+15550000001"], route.Redirect!.Select(c => c.Uri));
    }

    private static byte[] Tuples(params (string Basic, string? Contact, string? Priority)[] tuples) => System.Text.Encoding.UTF8.GetBytes(
        "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\">"
        + string.Concat(tuples.Select((t, i) => $"<tuple id=\"t{i}\"><status><basic>{t.Basic}</basic></status>"
            + (t.Contact is null ? "" : $"<contact{(t.Priority is null ? "" : $" priority=\"{t.Priority}\"")}>{t.Contact}</contact>") + "</tuple>"))
        + "</presence>");

    [Fact]
    public void The_contact_of_an_open_tuple_is_an_alternative_contact_that_makes_an_unregistered_user_available_until_it_goes()
    {
        var h = new PresentityHarness();
        var published = h.Publish(Tuples(("open", "sip:alice@desk.example.com", "0.6"), ("open", "tel:+15555550100", "0.9")));
        var composite = h.User.Composite(h.Now);
        Assert.Equal(ExtendedStatus.Available, composite.Status);
        // The document lists them, and a call is redirected to them, by priority.
        Assert.Equal(["tel:+15555550100", "sip:alice@desk.example.com"], composite.DocumentContacts.Select(c => c.Uri));
        var route = h.User.Route(h.Now);
        Assert.Equal(302, route.StatusCode);
        Assert.Equal(["tel:+15555550100", "sip:alice@desk.example.com"], route.Redirect!.Select(c => c.Uri));

        // Registered contacts come first, then the published ones.
        h.Register("sip:alice@192.0.2.1:5060", q: 0.1);
        Assert.Equal(["sip:alice@192.0.2.1:5060", "tel:+15555550100", "sip:alice@desk.example.com"], h.User.Route(h.Now).Redirect!.Select(c => c.Uri));
        h.Unregister();

        // The publication goes, and its contacts with it.
        h.Publish(null, ifMatch: published.EntityTag, expires: 0);
        Assert.Equal(ExtendedStatus.Unreachable, h.Status);
        Assert.Equal(480, h.User.Route(h.Now).StatusCode);
    }

    [Fact]
    public void Closed_tuples_the_users_own_aor_a_registered_contact_and_uris_no_call_can_reach_are_not_alternatives()
    {
        var h = new PresentityHarness();
        // baresip and linphone publish the account's AOR as the contact of their open tuple: no alternative.
        h.Publish(Tuples(("open", "sip:alice@example.com", null), ("closed", "sip:alice@home.example.com", null), ("open", "mailto:alice@example.com", null)));
        Assert.Empty(h.User.Composite(h.Now).AlternativeContacts);
        h.Register("sip:alice@192.0.2.1:5060");
        h.Publish(Tuples(("open", "sip:alice@192.0.2.1:5060;transport=udp", null)));
        Assert.Empty(h.User.Composite(h.Now).AlternativeContacts);
        Assert.Equal(["sip:alice@192.0.2.1:5060"], h.User.Route(h.Now).Redirect!.Select(c => c.Uri));
    }

    [Fact]
    public void Each_registered_devices_tuple_carries_its_capabilities_and_do_not_disturb_shows_none()
    {
        var h = new PresentityHarness();
        var softphone = new Presence.Core.Model.DeviceCapabilities(Audio: true, Video: true, Text: null, Message: true, Automata: null);
        var deskPhone = new Presence.Core.Model.DeviceCapabilities(Audio: true, Video: false, Text: null, Message: null, Automata: null);
        h.User.Register(new RegisterRequest([new ContactRequest("sip:alice@192.0.2.1:5060", null, 1.0, null, softphone)], false, 600, "soft", 1, null), h.Now);
        h.User.Register(new RegisterRequest([new ContactRequest("sip:alice@192.0.2.2:5060", null, 0.5, null, deskPhone)], false, 600, "desk", 1, null), h.Now);
        h.User.Register(new RegisterRequest([new ContactRequest("sip:alice@192.0.2.3:5060", null, 0.1, null)], false, 600, "old", 1, null), h.Now);
        string doc = System.Text.Encoding.UTF8.GetString(h.User.Document(h.Now));
        var tuples = System.Text.RegularExpressions.Regex.Matches(doc, "<tuple[\\s\\S]*?</tuple>").Select(m => m.Value).ToList();
        Assert.Equal(3, tuples.Count);
        Assert.Contains("<contact priority=\"1\">sip:alice@192.0.2.1:5060</contact>", tuples[0], StringComparison.Ordinal);
        Assert.Contains("<caps:audio>true</caps:audio>", tuples[0], StringComparison.Ordinal);
        Assert.Contains("<caps:video>true</caps:video>", tuples[0], StringComparison.Ordinal);
        Assert.Contains("<caps:message>true</caps:message>", tuples[0], StringComparison.Ordinal);
        Assert.Contains("<caps:video>false</caps:video>", tuples[1], StringComparison.Ordinal);
        Assert.DoesNotContain("<caps:message>", tuples[1], StringComparison.Ordinal);
        // A device that said nothing gets no capabilities element.
        Assert.DoesNotContain("servcaps", tuples[2], StringComparison.Ordinal);

        h.User.SetSettings(new UserSettings(true, "Away", [], null), h.Now);
        Assert.DoesNotContain("servcaps", System.Text.Encoding.UTF8.GetString(h.User.Document(h.Now)), StringComparison.Ordinal);
        h.User.SetSettings(new UserSettings(false, null, [], null), h.Now);

        // A device's registration ends: its tuple and capabilities go with it.
        h.User.Register(new RegisterRequest([new ContactRequest("sip:alice@192.0.2.1:5060", 0, null, null)], false, null, "soft", 2, null), h.Now);
        Assert.DoesNotContain("<caps:video>true</caps:video>", System.Text.Encoding.UTF8.GetString(h.User.Document(h.Now)), StringComparison.Ordinal);
    }
}
