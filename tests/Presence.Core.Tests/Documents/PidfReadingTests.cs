using System.Text;
using Presence.Core.Documents;

namespace Presence.Core.Tests.Documents;

/// <summary>The standard parts of a PIDF publication: tuples, notes, contacts, RPID activities, namespaces, encodings.</summary>
public class PidfReadingTests
{
    [Theory]
    [InlineData("application/pidf+xml", true)]
    [InlineData("application/dialog-info+xml", true)]
    [InlineData("application/PIDF+XML", true)]
    [InlineData("application/xpidf+xml", false)]
    [InlineData("application/cpim-pidf+xml", false)]
    [InlineData("text/plain", false)]
    [InlineData("", false)]
    public void Supported_content_types(string contentType, bool supported)
    {
        Assert.Equal(supported, PresenceDocumentReader.IsSupported(contentType));
    }

    [Fact]
    public void An_unsupported_content_type_is_an_error()
    {
        Assert.Equal("unsupported content type", Parse.Error(ClientSamples.LinphoneOnline, "application/xpidf+xml"));
    }

    [Fact]
    public void Any_open_tuple_makes_the_publication_open()
    {
        string xml = Parse.PresenceWith(Parse.Tuple("closed") + "<tuple id=\"t2\"><status><basic> open </basic></status></tuple>" + Parse.Tuple("closed"));

        PublishedState state = Parse.Success(xml);

        Assert.Equal(BasicStatus.Open, state.Basic);
        Assert.False(state.DoNotDisturb);
    }

    [Fact]
    public void Without_basic_the_status_is_unknown()
    {
        PublishedState state = Parse.Success(Parse.PresenceWith("<tuple id=\"t1\"><status/></tuple><tuple id=\"t2\"/>"));

        Assert.Null(state.Basic);
        Assert.False(state.DoNotDisturb);
    }

    [Fact]
    public void A_basic_outside_a_tuple_status_does_not_count()
    {
        string xml = Parse.PresenceWith("<basic>closed</basic><tuple id=\"t1\"><basic>closed</basic><status><x:basic xmlns:x=\"urn:other\">closed</x:basic></status></tuple>");

        Assert.Null(Parse.Success(xml).Basic);
    }

    [Fact]
    public void Namespaces_are_matched_by_uri_not_prefix()
    {
        string xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <p:presence xmlns:p="urn:ietf:params:xml:ns:pidf" xmlns:model="urn:ietf:params:xml:ns:pidf:data-model"
                        xmlns:r="urn:ietf:params:xml:ns:pidf:rpid" entity="pres:alice@example.com">
              <p:tuple id="a1"><p:status><p:basic>open</p:basic></p:status><p:contact priority="0.9">sip:alice@pc.example.com</p:contact></p:tuple>
              <model:person id="x"><r:activities><r:meeting/><r:on-the-phone/></r:activities><model:note>Quarterly review</model:note></model:person>
            </p:presence>
            """;

        PublishedState state = Parse.Success(xml);

        Assert.Equal(BasicStatus.Open, state.Basic);
        Assert.Equal(["meeting", "on-the-phone"], state.Activities);
        Assert.Equal(CallActivity.Busy, state.Call);
        Assert.Equal("Quarterly review", state.Note);
        Assert.Equal([new AlternativeContact("sip:alice@pc.example.com", 0.9)], state.Contacts);
    }

    [Fact]
    public void Lookalike_elements_in_other_namespaces_are_ignored()
    {
        string xml = """
            <presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:fake="urn:ietf:params:xml:ns:pidf:rpid-fake" entity="sip:alice@example.com">
              <tuple id="t1"><status><basic>open</basic></status></tuple>
              <fake:activities><fake:on-the-phone/></fake:activities>
              <person xmlns="urn:example:person"><note>not ours</note></person>
            </presence>
            """;

        PublishedState state = Parse.Success(xml);

        Assert.Empty(state.Activities);
        Assert.Equal(CallActivity.None, state.Call);
        Assert.Null(state.Note);
    }

    [Fact]
    public void Activities_are_read_from_a_person_a_tuple_and_a_status()
    {
        // RFC 4480 puts activities in a person; older RPID drafts (and some clients) put them in the tuple.
        string xml = Parse.PresenceWith(
            "<tuple id=\"t1\"><status><basic>open</basic><rpid:activities><rpid:meal/></rpid:activities></status>"
            + "<rpid:activities><rpid:away/></rpid:activities></tuple>"
            + "<dm:person id=\"p\"><rpid:activities from=\"2024-01-01T10:00:00Z\"><rpid:meeting/></rpid:activities></dm:person>");

        Assert.Equal(["meal", "away", "meeting"], Parse.Success(xml).Activities);
    }

    [Fact]
    public void Activities_are_deduplicated_and_unknown_is_dropped()
    {
        string xml = Parse.PresenceWith(Parse.Tuple("open")
            + "<dm:person id=\"p\"><rpid:activities><rpid:unknown/><rpid:away/><rpid:other>Gardening</rpid:other>"
            + "<rpid:away/><x:surfing xmlns:x=\"urn:example\"/><rpid:note>gone</rpid:note></rpid:activities></dm:person>"
            + "<dm:person id=\"q\"><rpid:activities><rpid:away/><rpid:meeting/></rpid:activities></dm:person>");

        PublishedState state = Parse.Success(xml);

        Assert.Equal(["away", "other", "meeting"], state.Activities);
    }

    [Fact]
    public void The_first_note_in_document_order_wins()
    {
        string xml = Parse.PresenceWith(
            "<tuple id=\"t1\"><status><basic>open</basic></status><note>  </note><note>tuple note</note></tuple>"
            + "<note>presence note</note>"
            + "<dm:person id=\"p\"><dm:note>person note</dm:note></dm:person>");

        Assert.Equal("tuple note", Parse.Success(xml).Note);
    }

    [Fact]
    public void A_person_note_counts_when_it_comes_first()
    {
        string xml = Parse.PresenceWith(
            "<dm:person id=\"p\"><dm:note>person note</dm:note></dm:person>" + Parse.Tuple("open") + "<note>presence note</note>");

        Assert.Equal("person note", Parse.Success(xml).Note);
    }

    [Fact]
    public void A_device_note_counts()
    {
        string xml = Parse.PresenceWith(
            Parse.Tuple("open") + "<dm:device id=\"d\"><dm:deviceID>urn:uuid:1</dm:deviceID><dm:note>desk phone</dm:note></dm:device>");

        Assert.Equal("desk phone", Parse.Success(xml).Note);
    }

    [Fact]
    public void An_activities_note_is_used_only_without_any_other_note()
    {
        string activitiesNote = "<dm:person id=\"p\"><rpid:activities><rpid:note>Lunch</rpid:note><rpid:meal/></rpid:activities></dm:person>";

        Assert.Equal("Lunch", Parse.Success(Parse.PresenceWith(Parse.Tuple("open") + activitiesNote)).Note);
        Assert.Equal("Canteen", Parse.Success(Parse.PresenceWith(Parse.Tuple("open") + activitiesNote + "<note>Canteen</note>")).Note);
    }

    [Fact]
    public void Nested_markup_in_a_note_contributes_its_text()
    {
        string xml = Parse.PresenceWith(Parse.Tuple("closed",
            "<note>Out <b>to <i>lunch</i></b> &amp; <![CDATA[<back>]]> soon &#x263A;</note>"));

        PublishedState state = Parse.Success(xml);

        Assert.Equal("Out to lunch & <back> soon \u263A", state.Note);
        Assert.Equal("Out to lunch & <back> soon \u263A", state.DndComment);
    }

    [Fact]
    public void Notes_in_unrelated_places_are_ignored()
    {
        string xml = Parse.PresenceWith(
            "<tuple id=\"t1\"><status><basic>open</basic><note>in status</note></status></tuple>"
            + "<x:thing xmlns:x=\"urn:example\"><note>in extension</note></x:thing>");

        Assert.Null(Parse.Success(xml).Note);
    }

    [Fact]
    public void Contacts_get_the_default_priority_and_bad_ones_are_passed_over()
    {
        string xml = Parse.PresenceWith(
            "<tuple id=\"a\"><status><basic>open</basic></status><contact>sip:a@example.com</contact></tuple>"
            + "<tuple id=\"b\"><status><basic>open</basic></status><contact priority=\"7\">sip:b@example.com</contact></tuple>"
            + "<tuple id=\"c\"><status><basic>open</basic></status><contact priority=\"0.25\">sip:a@example.com</contact></tuple>"
            + "<tuple id=\"d\"><status><basic>open</basic></status><contact priority=\"0.3\">not a uri</contact></tuple>"
            + "<tuple id=\"e\"><status><basic>open</basic></status><contact priority=\"0.125\"> tel:+15551234567 </contact></tuple>");

        PublishedState state = Parse.Success(xml);

        Assert.Equal(0.5, PresenceDocumentReader.DefaultContactPriority);
        Assert.Equal(
            [
                new AlternativeContact("sip:a@example.com", 0.5),
                new AlternativeContact("sip:b@example.com", 0.5),
                new AlternativeContact("tel:+15551234567", 0.125),
            ],
            state.Contacts);
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_accepted()
    {
        byte[] body = [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(ClientSamples.LinphoneOnThePhone)];

        Assert.True(PresenceDocumentReader.TryRead(Parse.Pidf, body, out PublishedState? state, out _));
        Assert.Equal(CallActivity.Busy, state!.Call);
    }

    [Fact]
    public void A_utf16_document_is_read()
    {
        string xml = ClientSamples.LinphoneDoNotDisturb.Replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"", StringComparison.Ordinal)
            .Replace("<tuple id=\"qmf8rz\">", "<note>Fermé — à demain</note><tuple id=\"qmf8rz\">", StringComparison.Ordinal);
        byte[] body = [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(xml)];

        Assert.True(PresenceDocumentReader.TryRead(Parse.Pidf, body, out PublishedState? state, out string error), error);
        Assert.True(state!.DoNotDisturb);
        Assert.Equal("Fermé — à demain", state.DndComment);
    }

    [Fact]
    public void An_iso_8859_1_document_is_read()
    {
        string xml = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + Parse.PresenceWith(Parse.Tuple("closed", "<note>Café fermé</note>"));

        Assert.True(PresenceDocumentReader.TryRead(Parse.Pidf, Encoding.Latin1.GetBytes(xml), out PublishedState? state, out string error), error);
        Assert.Equal("Café fermé", state!.DndComment);
    }

    [Fact]
    public void An_empty_presence_is_valid_and_says_nothing()
    {
        PublishedState state = Parse.Success("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\"/>");

        Assert.Null(state.Basic);
        Assert.False(state.DoNotDisturb);
        Assert.Null(state.Note);
        Assert.Empty(state.Activities);
        Assert.Equal(CallActivity.None, state.Call);
        Assert.Empty(state.Contacts);
        Assert.Empty(state.AlternativeContacts);
    }
}
