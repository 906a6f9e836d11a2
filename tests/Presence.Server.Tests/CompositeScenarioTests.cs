using Presence.Server.Tests.Infrastructure;
using static Presence.Server.Tests.Infrastructure.PerlSipClient;

namespace Presence.Server.Tests;

/// <summary>
/// One scripted scenario per composite value, driven by an independent SIP stack (Perl Net::SIP): a watcher
/// subscribed to alice sees what SPEC.md says it must.
/// </summary>
public sealed class CompositeScenarioTests
{
    private const string Alice = "sip:alice@example.com";
    private const string Bob = "sip:bob@example.com";

    private static string Pidf(string basic, string inner = "") => Base64(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\""
        + " xmlns:po=\"urn:presence-orleans:params:xml:ns:pidf-ext\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\""
        + " xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"sip:alice@example.com\">"
        + $"<tuple id=\"a\"><status><basic>{basic}</basic></status></tuple>{inner}</presence>");

    private static string Dialog(string state) => Base64(
        "<?xml version=\"1.0\"?><dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"0\" state=\"full\" entity=\"sip:alice@example.com\">"
        + $"<dialog id=\"x\" direction=\"recipient\"><state>{state}</state></dialog></dialog-info>");

    /// <summary>A server, alice's device, and bob watching alice (his first NOTIFY already read).</summary>
    private static async Task<(ServerProcess Server, PerlSipClient Alice, PerlSipClient Bob, Notification First)> StartAsync()
    {
        // The defaults a new user gets: digest authentication on; Net::SIP answers the challenges with each user's password.
        var server = await ServerProcess.StartAsync(auth: true);
        await server.ProvisionAsync("alice@example.com", "alice-secret");
        await server.ProvisionAsync("bob@example.com", "bob-secret");
        var alice = await PerlSipClient.StartAsync(server.Port);
        var bob = await PerlSipClient.StartAsync(server.Port);
        Assert.Equal("ok", (await alice.SendAsync($"auth {Alice} alice alice-secret")).Line.Split(' ')[^1]);
        Assert.Equal("ok", (await bob.SendAsync($"auth {Bob} bob bob-secret")).Line.Split(' ')[^1]);
        var subscribed = await bob.SendAsync($"subscribe {Bob} {Alice} 600");
        Assert.Equal(200, subscribed.Code);
        var first = await bob.NextNotifyAsync();
        Assert.Equal("active;expires=600", first.State);
        return (server, alice, bob, first);
    }

    private static async Task StopAsync(ServerProcess server, params PerlSipClient[] clients)
    {
        foreach (var c in clients)
            await c.DisposeAsync();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Unregistered_user_without_alternatives_is_unreachable()
    {
        var (server, alice, bob, first) = await StartAsync();
        Assert.Equal("unreachable", first.Extended);
        Assert.Equal("closed", first.Basic);
        await StopAsync(server, alice, bob);
    }

    [Fact]
    public async Task Registered_user_is_available()
    {
        var (server, alice, bob, _) = await StartAsync();
        Assert.Equal(200, (await alice.SendAsync($"register {Alice} 600")).Code);
        var n = await bob.NextNotifyAsync();
        Assert.Equal(("available", "open"), (n.Extended, n.Basic));
        await StopAsync(server, alice, bob);
    }

    [Fact]
    public async Task User_in_a_call_is_busy_and_an_unanswered_call_is_ringing()
    {
        var (server, alice, bob, first) = await StartAsync();
        await alice.SendAsync($"register {Alice} 600");
        await bob.NextNotifyAsync();
        var call = await alice.SendAsync($"publish {Alice} application/dialog-info+xml {Dialog("confirmed")} 600");
        Assert.Equal(200, call.Code);
        var busy = await bob.NextNotifyAsync();
        Assert.Equal(("busy", "open"), (busy.Extended, busy.Basic));

        var ringing = await alice.SendAsync($"publish {Alice} application/dialog-info+xml {Dialog("early")} 600 {call["etag"]}");
        Assert.Equal(200, ringing.Code);
        var n = await bob.NextNotifyAsync();
        Assert.Equal(("ringing", "open"), (n.Extended, n.Basic));
        Assert.Equal(first.CallId, n.CallId);
        Assert.True(n.CSeq > busy.CSeq);
        await StopAsync(server, alice, bob);
    }

    [Fact]
    public async Task Do_not_disturb_carries_the_comment_and_stays_while_unregistered()
    {
        var (server, alice, bob, _) = await StartAsync();
        await alice.SendAsync($"register {Alice} 600");
        await bob.NextNotifyAsync();
        Assert.Equal(200, (await alice.SendAsync($"publish {Alice} application/pidf+xml {Pidf("closed", "<note>On holiday until the end of the month</note>")} 600")).Code);
        var dnd = await bob.NextNotifyAsync();
        Assert.Equal(("donotdisturb", "closed", "On holiday until the end of the month"), (dnd.Extended, dnd.Basic, dnd.Note));

        Assert.Equal(200, (await alice.SendAsync($"register {Alice} 0")).Code);
        var unregistered = await bob.NextNotifyAsync();
        Assert.Equal(("donotdisturb", "On holiday until the end of the month"), (unregistered.Extended, unregistered.Note));

        var invite = await bob.SendAsync($"invite {Bob} {Alice}");
        Assert.Equal(480, invite.Code);
        Assert.Contains("On_holiday_until_the_end_of_the_month", invite["warning"], StringComparison.Ordinal);
        var message = await bob.SendAsync($"message {Bob} {Alice} {Base64("are you there?")}");
        Assert.Equal(480, message.Code);
        await StopAsync(server, alice, bob);
    }

    [Fact]
    public async Task Voicemail_takes_calls_and_messages_while_in_do_not_disturb()
    {
        var (server, alice, bob, _) = await StartAsync();
        await alice.SendAsync($"publish {Alice} application/pidf+xml {Pidf("open", "<po:donotdisturb>Lunch</po:donotdisturb><po:voicemail>sip:vm@example.com</po:voicemail>")} 600");
        Assert.Equal("donotdisturb", (await bob.NextNotifyAsync()).Extended);
        var invite = await bob.SendAsync($"invite {Bob} {Alice}");
        Assert.Equal(302, invite.Code);
        Assert.Equal("sip:vm@example.com", invite["contacts"]);
        Assert.Equal(302, (await bob.SendAsync($"message {Bob} {Alice} {Base64("hi")}")).Code);
        await StopAsync(server, alice, bob);
    }

    [Fact]
    public async Task Becoming_unreachable_then_available_again_through_an_alternative_number()
    {
        var (server, alice, bob, _) = await StartAsync();
        await alice.SendAsync($"register {Alice} 600");
        Assert.Equal("available", (await bob.NextNotifyAsync()).Extended);
        await alice.SendAsync($"register {Alice} 0");
        var gone = await bob.NextNotifyAsync();
        Assert.Equal(("unreachable", "closed"), (gone.Extended, gone.Basic));

        var alternative = await alice.SendAsync(
            $"publish {Alice} application/pidf+xml {Pidf("open", "<po:alternative-contact priority=\"0.9\">tel:+15551234567</po:alternative-contact>")} 600");
        Assert.Equal(200, alternative.Code);
        var back = await bob.NextNotifyAsync();
        Assert.Equal(("available", "open"), (back.Extended, back.Basic));
        var invite = await bob.SendAsync($"invite {Bob} {Alice}");
        Assert.Equal(302, invite.Code);
        Assert.Equal("tel:+15551234567", invite["contacts"]);
        await StopAsync(server, alice, bob);
    }

    [Fact]
    public async Task The_contact_of_a_published_open_tuple_makes_an_unregistered_user_reachable_there_until_it_goes()
    {
        // Standard PIDF for "reach me here", no extension: the open tuple's <contact> (issue 13).
        var (server, alice, bob, first) = await StartAsync();
        Assert.Equal("unreachable", first.Extended);
        string body = Base64(
            "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\">"
            + "<tuple id=\"desk\"><status><basic>open</basic></status><contact priority=\"0.7\">sip:alice@desk.example.com</contact></tuple>"
            + "<tuple id=\"me\"><status><basic>open</basic></status><contact>sip:alice@example.com</contact></tuple></presence>");
        var published = await alice.SendAsync($"publish {Alice} application/pidf+xml {body} 600");
        Assert.Equal(200, published.Code);
        var reachable = await bob.NextNotifyAsync();
        Assert.Equal(("available", "open"), (reachable.Extended, reachable.Basic));
        // INVITE and MESSAGE go to it (and not to alice's own AOR, which her client also published).
        var invite = await bob.SendAsync($"invite {Bob} {Alice}");
        Assert.Equal(302, invite.Code);
        Assert.Equal("sip:alice@desk.example.com", invite["contacts"]);
        Assert.Equal(302, (await bob.SendAsync($"message {Bob} {Alice} {Base64("hello")}")).Code);

        // The publication goes, and the contact with it.
        Assert.Equal(200, (await alice.SendAsync($"publish {Alice} - - 0 {published["etag"]}")).Code);
        Assert.Equal("unreachable", (await bob.NextNotifyAsync()).Extended);
        Assert.Equal(480, (await bob.SendAsync($"invite {Bob} {Alice}")).Code);
        await StopAsync(server, alice, bob);
    }

    [Fact]
    public async Task Unknown_event_is_489_and_unknown_entity_tag_is_412()
    {
        var (server, alice, bob, _) = await StartAsync();
        Assert.Equal(489, (await bob.SendAsync($"subscribe {Bob} {Alice} 600 message-summary")).Code);
        Assert.Equal(412, (await alice.SendAsync($"publish {Alice} - - 600 0123456789abcdef")).Code);
        var malformed = await alice.SendAsync($"publish {Alice} application/pidf+xml {Base64("<presence><oops>")} 600");
        Assert.Equal(400, malformed.Code);
        Assert.StartsWith("Bad_Presence_Document", malformed["reason"], StringComparison.Ordinal);
        Assert.True(await bob.NoNotifyWithinAsync(TimeSpan.FromMilliseconds(300)));
        await StopAsync(server, alice, bob);
    }
}
