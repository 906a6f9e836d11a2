using Presence.Core.Documents;

namespace Presence.Core.Tests.Documents;

/// <summary>SPEC.md "What real clients publish": each state of baresip 1.0 and linphone 5.1 and what it means here.</summary>
public class ClientPublicationTests
{
    [Fact]
    public void Baresip_open_is_available_without_activities()
    {
        PublishedState state = Parse.Success(ClientSamples.Baresip("open"));

        Assert.Equal(BasicStatus.Open, state.Basic);
        Assert.False(state.DoNotDisturb);
        Assert.Null(state.DndComment);
        Assert.Null(state.Note);
        Assert.Empty(state.Activities);
        Assert.Equal(CallActivity.None, state.Call);
        Assert.Equal([new AlternativeContact("sip:alice@example.com", 0.5)], state.Contacts);
        Assert.Empty(state.AlternativeContacts);
        Assert.Null(state.VoicemailUri);
    }

    [Fact]
    public void Baresip_closed_declares_do_not_disturb_without_comment()
    {
        PublishedState state = Parse.Success(ClientSamples.Baresip("closed"));

        Assert.Equal(BasicStatus.Closed, state.Basic);
        Assert.True(state.DoNotDisturb);
        Assert.Null(state.DndComment);
        Assert.Empty(state.Activities);
        Assert.Equal(CallActivity.None, state.Call);
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("unkown")]
    public void Baresip_unknown_basic_says_nothing(string basic)
    {
        // Older baresip spells it "unkown"; neither is an RFC 3863 value, and neither may fail the PUBLISH.
        PublishedState state = Parse.Success(ClientSamples.Baresip(basic));

        Assert.Null(state.Basic);
        Assert.False(state.DoNotDisturb);
    }

    /// <summary>
    /// linphone 5.1's states as SPEC.md lists them. Closed declares do-not-disturb whatever the activity: offline
    /// too, because the registration, not the publication, says whether the user is reachable.
    /// </summary>
    public static TheoryData<string, BasicStatus, string[], bool, CallActivity> LinphoneStates => new()
    {
        { ClientSamples.LinphoneOnline, BasicStatus.Open, [], false, CallActivity.None },
        { ClientSamples.LinphoneAway, BasicStatus.Open, ["away"], false, CallActivity.None },
        { ClientSamples.LinphoneOnThePhone, BasicStatus.Open, ["on-the-phone"], false, CallActivity.Busy },
        { ClientSamples.LinphoneDoNotDisturb, BasicStatus.Closed, ["away"], true, CallActivity.None },
        { ClientSamples.LinphoneOffline, BasicStatus.Closed, [], true, CallActivity.None },
    };

    [Theory]
    [MemberData(nameof(LinphoneStates))]
    public void Linphone_states(string body, BasicStatus basic, string[] activities, bool doNotDisturb, CallActivity call)
    {
        PublishedState state = Parse.Success(body);

        Assert.Equal(basic, state.Basic);
        Assert.Equal(activities, state.Activities);
        Assert.Equal(doNotDisturb, state.DoNotDisturb);
        Assert.Equal(call, state.Call);
        Assert.Null(state.Note);
        Assert.Null(state.DndComment);
        Assert.Equal([new AlternativeContact("sip:bob@example.org", 0.8)], state.Contacts);
    }

    [Fact]
    public void Rpid_busy_alone_is_not_a_call()
    {
        string xml = Parse.PresenceWith(Parse.Tuple("open")
            + "<dm:person id=\"p\"><rpid:activities><rpid:busy/></rpid:activities></dm:person>");

        PublishedState state = Parse.Success(xml);

        Assert.Equal(["busy"], state.Activities);
        Assert.Equal(CallActivity.None, state.Call);
        Assert.False(state.DoNotDisturb);
    }
}
