using Presence.Core.Documents;

namespace Presence.Core.Tests.Documents;

/// <summary>The project's extension (urn:presence-orleans:params:xml:ns:pidf-ext) in a publication.</summary>
public class ExtensionReadingTests
{
    [Fact]
    public void Donotdisturb_with_a_comment_declares_dnd_even_when_open()
    {
        string xml = Parse.PresenceWith(Parse.Tuple("open")
            + "<po:donotdisturb>\n  On holiday until the end of the month  \n</po:donotdisturb>");

        PublishedState state = Parse.Success(xml);

        Assert.Equal(BasicStatus.Open, state.Basic);
        Assert.True(state.DoNotDisturb);
        Assert.Equal("On holiday until the end of the month", state.DndComment);
        Assert.Null(state.Note);
    }

    [Fact]
    public void An_empty_donotdisturb_is_dnd_without_comment()
    {
        PublishedState state = Parse.Success(Parse.PresenceWith(Parse.Tuple("open") + "<po:donotdisturb/>"));

        Assert.True(state.DoNotDisturb);
        Assert.Null(state.DndComment);
    }

    [Fact]
    public void Without_its_own_comment_dnd_takes_the_note()
    {
        PublishedState state = Parse.Success(Parse.PresenceWith(
            Parse.Tuple("open", "<note>In a workshop</note>") + "<po:donotdisturb>  </po:donotdisturb>"));

        Assert.True(state.DoNotDisturb);
        Assert.Equal("In a workshop", state.DndComment);
        Assert.Equal("In a workshop", state.Note);
    }

    [Fact]
    public void The_donotdisturb_comment_wins_over_the_note()
    {
        PublishedState state = Parse.Success(Parse.PresenceWith(
            Parse.Tuple("closed", "<note>Gone</note>") + "<po:donotdisturb>Back on Monday</po:donotdisturb>"));

        Assert.Equal("Back on Monday", state.DndComment);
        Assert.Equal("Gone", state.Note);
    }

    [Fact]
    public void A_closed_document_uses_its_note_as_the_comment()
    {
        PublishedState state = Parse.Success(Parse.PresenceWith(Parse.Tuple("closed", "<note xml:lang=\"en\"> Back at 2 pm </note>")));

        Assert.True(state.DoNotDisturb);
        Assert.Equal("Back at 2 pm", state.DndComment);
    }

    [Fact]
    public void An_open_document_has_a_note_but_no_comment()
    {
        PublishedState state = Parse.Success(Parse.PresenceWith(Parse.Tuple("open", "<note>Working from home</note>")));

        Assert.False(state.DoNotDisturb);
        Assert.Null(state.DndComment);
        Assert.Equal("Working from home", state.Note);
    }

    [Fact]
    public void Alternative_contacts_keep_their_order_and_priorities()
    {
        string xml = Parse.PresenceWith(Parse.Tuple("closed")
            + "<po:alternative-contact priority=\"0.8\">tel:+15551234567</po:alternative-contact>"
            + "<po:alternative-contact> sip:alice-mobile@example.com </po:alternative-contact>"
            + "<po:alternative-contact priority=\"1\">mailto:alice@example.com</po:alternative-contact>"
            + "<po:alternative-contact priority=\".125\">sip:desk@example.com</po:alternative-contact>"
            + "<po:alternative-contact priority=\"0\">tel:+15550000000</po:alternative-contact>");

        PublishedState state = Parse.Success(xml);

        Assert.Equal(
            [
                new AlternativeContact("tel:+15551234567", 0.8),
                new AlternativeContact("sip:alice-mobile@example.com", 0.5),
                new AlternativeContact("mailto:alice@example.com", 1),
                new AlternativeContact("sip:desk@example.com", 0.125),
                new AlternativeContact("tel:+15550000000", 0),
            ],
            state.AlternativeContacts);
        Assert.Empty(state.Contacts);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("2")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("NaN")]
    [InlineData("1e-1")]
    [InlineData("0,5")]
    public void An_alternative_contact_priority_outside_0_to_1_is_rejected(string priority)
    {
        string xml = Parse.PresenceWith($"<po:alternative-contact priority=\"{priority}\">tel:+15551234567</po:alternative-contact>");

        Assert.Equal("alternative-contact priority out of range", Parse.Error(xml));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("alice")]
    [InlineData("sip:alice@example.com>;evil=1")]
    [InlineData("sip:alice@example.com\r\nRoute: <sip:evil>")]
    [InlineData("tel:+1 555")]
    [InlineData(":nothing")]
    [InlineData("1tel:+15551234567")]
    public void An_alternative_contact_that_is_not_a_uri_is_rejected(string uri)
    {
        string xml = Parse.PresenceWith($"<po:alternative-contact>{System.Security.SecurityElement.Escape(uri)}</po:alternative-contact>");

        Assert.Equal("alternative-contact is not a URI", Parse.Error(xml));
    }

    [Fact]
    public void Voicemail_is_read_and_the_first_one_counts()
    {
        string xml = Parse.PresenceWith(Parse.Tuple("open")
            + "<po:voicemail> sip:vm@example.com </po:voicemail><po:voicemail>sip:other@example.com</po:voicemail>");

        Assert.Equal("sip:vm@example.com", Parse.Success(xml).VoicemailUri);
    }

    [Fact]
    public void A_voicemail_that_is_not_a_uri_is_rejected()
    {
        Assert.Equal("voicemail is not a URI", Parse.Error(Parse.PresenceWith("<po:voicemail>vm box</po:voicemail>")));
    }

    [Fact]
    public void Extended_status_from_a_client_is_ignored()
    {
        // A client echoing the document it was sent must not set ringing or busy by text.
        string xml = Parse.PresenceWith(
            "<tuple id=\"t1\"><status><basic>open</basic><po:extended>ringing</po:extended></status></tuple>"
            + "<po:extended>busy<rpid:activities><rpid:on-the-phone/></rpid:activities></po:extended>");

        PublishedState state = Parse.Success(xml);

        Assert.Equal(BasicStatus.Open, state.Basic);
        Assert.Equal(CallActivity.None, state.Call);
        Assert.Empty(state.Activities);
        Assert.False(state.DoNotDisturb);
    }

    [Fact]
    public void Extension_elements_count_only_as_direct_children_of_presence()
    {
        string xml = Parse.PresenceWith(Parse.Tuple("open",
            "<po:donotdisturb>no</po:donotdisturb><po:voicemail>sip:vm@example.com</po:voicemail>"
            + "<po:alternative-contact priority=\"7\">x</po:alternative-contact>"));

        PublishedState state = Parse.Success(xml);

        Assert.False(state.DoNotDisturb);
        Assert.Null(state.VoicemailUri);
        Assert.Empty(state.AlternativeContacts);
    }

    [Fact]
    public void Unknown_extension_elements_are_skipped()
    {
        string xml = Parse.PresenceWith(Parse.Tuple("open") + "<po:mood-of-the-day level=\"3\"><po:voicemail>x</po:voicemail></po:mood-of-the-day>");

        PublishedState state = Parse.Success(xml);

        Assert.Equal(BasicStatus.Open, state.Basic);
        Assert.Null(state.VoicemailUri);
    }

    [Fact]
    public void The_extension_works_with_any_prefix()
    {
        string xml = """
            <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@example.com">
              <ext:donotdisturb xmlns:ext="urn:presence-orleans:params:xml:ns:pidf-ext">In a meeting</ext:donotdisturb>
              <alternative-contact xmlns="urn:presence-orleans:params:xml:ns:pidf-ext" priority="0.3">tel:+15551234567</alternative-contact>
            </presence>
            """;

        PublishedState state = Parse.Success(xml);

        Assert.True(state.DoNotDisturb);
        Assert.Equal("In a meeting", state.DndComment);
        Assert.Equal([new AlternativeContact("tel:+15551234567", 0.3)], state.AlternativeContacts);
        Assert.Null(state.Basic);
    }
}
