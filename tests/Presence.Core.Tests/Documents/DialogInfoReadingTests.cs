using Presence.Core.Documents;

namespace Presence.Core.Tests.Documents;

/// <summary>RFC 4235 dialog-info publications: early incoming is ringing, confirmed is busy, terminated is nothing.</summary>
public class DialogInfoReadingTests
{
    [Theory]
    [InlineData("recipient", "early", CallActivity.Ringing)]
    [InlineData(null, "early", CallActivity.Ringing)]
    [InlineData("recipient", "proceeding", CallActivity.Ringing)]
    [InlineData("recipient", "trying", CallActivity.Ringing)]
    [InlineData("initiator", "early", CallActivity.Busy)]
    [InlineData("initiator", "confirmed", CallActivity.Busy)]
    [InlineData("recipient", "confirmed", CallActivity.Busy)]
    [InlineData(null, "confirmed", CallActivity.Busy)]
    [InlineData("recipient", "terminated", CallActivity.None)]
    [InlineData("initiator", "terminated", CallActivity.None)]
    public void One_dialog(string? direction, string dialogState, CallActivity expected)
    {
        PublishedState state = Parse.Success(ClientSamples.DialogInfo((direction, dialogState)), Parse.DialogInfo);

        Assert.Equal(expected, state.Call);
        Assert.Null(state.Basic);
        Assert.False(state.DoNotDisturb);
        Assert.Empty(state.Activities);
        Assert.Empty(state.Contacts);
    }

    [Fact]
    public void An_incoming_call_while_in_another_call_rings()
    {
        string xml = ClientSamples.DialogInfo(("initiator", "confirmed"), ("recipient", "early"));

        Assert.Equal(CallActivity.Ringing, Parse.Success(xml, Parse.DialogInfo).Call);
    }

    [Fact]
    public void A_finished_call_next_to_an_established_one_is_busy()
    {
        string xml = ClientSamples.DialogInfo(("recipient", "terminated"), ("initiator", "confirmed"), ("recipient", "terminated"));

        Assert.Equal(CallActivity.Busy, Parse.Success(xml, Parse.DialogInfo).Call);
    }

    [Fact]
    public void Only_finished_calls_are_no_call()
    {
        string xml = ClientSamples.DialogInfo(("recipient", "terminated"), ("initiator", "terminated"));

        Assert.Equal(CallActivity.None, Parse.Success(xml, Parse.DialogInfo).Call);
    }

    [Fact]
    public void No_dialogs_is_no_call()
    {
        string xml = "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"0\" state=\"full\" entity=\"sip:alice@example.com\"/>";

        Assert.Equal(CallActivity.None, Parse.Success(xml, Parse.DialogInfo).Call);
    }

    [Fact]
    public void Prefixed_elements_and_state_attributes_are_read()
    {
        string xml = """
            <d:dialog-info xmlns:d="urn:ietf:params:xml:ns:dialog-info" version="3" state="partial" entity="sip:alice@example.com">
              <d:dialog id="x" direction="recipient">
                <d:state event="rejected" code="486"> terminated </d:state>
              </d:dialog>
              <d:dialog id="y" direction="recipient"><d:state>
                early
              </d:state></d:dialog>
            </d:dialog-info>
            """;

        Assert.Equal(CallActivity.Ringing, Parse.Success(xml, Parse.DialogInfo).Call);
    }

    [Fact]
    public void A_state_element_outside_a_dialog_or_in_another_namespace_is_ignored()
    {
        string xml = """
            <dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" xmlns:x="urn:example:other" version="0" state="full" entity="sip:alice@example.com">
              <state>confirmed</state>
              <dialog id="a"><x:state>confirmed</x:state><local><state>confirmed</state></local></dialog>
            </dialog-info>
            """;

        Assert.Equal(CallActivity.None, Parse.Success(xml, Parse.DialogInfo).Call);
    }

    [Fact]
    public void An_unknown_state_is_rejected()
    {
        Assert.Equal("invalid dialog state", Parse.Error(ClientSamples.DialogInfo(("recipient", "ringing")), Parse.DialogInfo));
    }

    [Fact]
    public void The_root_must_be_dialog_info()
    {
        Assert.Equal("root element is not dialog-info", Parse.Error(ClientSamples.LinphoneOnline, Parse.DialogInfo));
        Assert.Equal("root element is not dialog-info",
            Parse.Error("<dialog-info xmlns=\"urn:example:not-rfc4235\" entity=\"sip:a@b\"/>", Parse.DialogInfo));
    }

    [Fact]
    public void The_entity_is_required()
    {
        Assert.Equal("dialog-info has no entity",
            Parse.Error("<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"0\" state=\"full\"/>", Parse.DialogInfo));
    }

    [Fact]
    public void A_dialog_info_body_sent_as_pidf_is_not_presence()
    {
        Assert.Equal("root element is not PIDF presence", Parse.Error(ClientSamples.DialogInfo(("recipient", "early"))));
    }
}
