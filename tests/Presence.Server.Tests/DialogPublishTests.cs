using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests;

/// <summary>
/// PUBLISH with <c>Event: dialog</c> (RFC 4235 call state, RFC 3903), as phones and Kamailio's pua_dialoginfo send it,
/// driven by Perl Net::SIP with authentication on: its state drives ringing and busy in the presence document, its
/// entity-tags are the dialog package's own, and a PIDF document there is refused.
/// </summary>
public sealed class DialogPublishTests
{
    private const string Alice = "sip:alice@example.com";
    private const string Bob = "sip:bob@example.com";

    private static string DialogInfo(string state, int version) => PerlSipClient.Base64(
        $"<?xml version=\"1.0\"?><dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"{version}\" state=\"full\" entity=\"{Alice}\">"
        + $"<dialog id=\"call-1\" call-id=\"c1@192.0.2.7\" direction=\"recipient\"><state>{state}</state></dialog></dialog-info>");

    /// <summary>alice and bob provisioned, each a Net::SIP client that answers the server's challenges.</summary>
    internal static async Task<(PerlSipClient Alice, PerlSipClient Bob)> AliceAndBobAsync(ServerProcess server)
    {
        await server.ProvisionAsync("alice@example.com", "alice-secret");
        await server.ProvisionAsync("bob@example.com", "bob-secret");
        var alice = await PerlSipClient.StartAsync(server.Port);
        var bob = await PerlSipClient.StartAsync(server.Port);
        await alice.SendAsync($"auth {Alice} alice alice-secret");
        await bob.SendAsync($"auth {Bob} bob bob-secret");
        return (alice, bob);
    }

    [Fact]
    public async Task A_dialog_publication_makes_alice_ringing_then_busy_then_available_for_a_presence_watcher()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        var (alice, bob) = await AliceAndBobAsync(server);
        await using var disposeAlice = alice;
        await using var disposeBob = bob;
        Assert.Equal(200, (await alice.SendAsync($"register {Alice} 600")).Code);
        Assert.Equal(200, (await bob.SendAsync($"subscribe {Bob} {Alice} 600")).Code);
        Assert.Equal("available", (await bob.NextNotifyAsync()).Extended);

        var early = await alice.SendAsync($"publish {Alice} application/dialog-info+xml {DialogInfo("early", 0)} 600 - dialog");
        Assert.Equal(200, early.Code);
        Assert.Equal("ringing", (await bob.NextNotifyAsync()).Extended);
        var confirmed = await alice.SendAsync($"publish {Alice} application/dialog-info+xml {DialogInfo("confirmed", 1)} 600 {early["etag"]} dialog");
        Assert.Equal(200, confirmed.Code);
        Assert.Equal("busy", (await bob.NextNotifyAsync()).Extended);

        // The entity-tag is the dialog package's: under presence it names nothing (412); a PIDF document is not dialog
        // state (415).
        Assert.Equal(412, (await alice.SendAsync($"publish {Alice} - - 600 {confirmed["etag"]}")).Code);
        string pidf = PerlSipClient.Base64($"<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"{Alice}\"><tuple id=\"a\"><status><basic>open</basic></status></tuple></presence>");
        Assert.Equal(415, (await alice.SendAsync($"publish {Alice} application/pidf+xml {pidf} 600 - dialog")).Code);

        // The call ends: the publication is removed and alice is available again.
        Assert.Equal(200, (await alice.SendAsync($"publish {Alice} - - 0 {confirmed["etag"]} dialog")).Code);
        Assert.Equal("available", (await bob.NextNotifyAsync()).Extended);
    }

    [Fact]
    public async Task A_busy_lamp_field_subscribes_to_the_dialog_package_and_sees_ringing_confirmed_and_idle()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        var (alice, blf) = await AliceAndBobAsync(server);
        await using var disposeAlice = alice;
        await using var disposeBlf = blf;

        // Event: dialog, Accept: application/dialog-info+xml: 200 and the full state at once, version 0, no call.
        Assert.Equal(200, (await blf.SendAsync($"subscribe {Bob} {Alice} 600 dialog")).Code);
        var idle = await blf.NextNotifyAsync();
        Assert.StartsWith("active", idle.State, StringComparison.Ordinal);
        Assert.Equal(("none", "0"), (idle.Dialogs, idle.Version));

        var early = await alice.SendAsync($"publish {Alice} application/dialog-info+xml {DialogInfo("early", 0)} 600 - dialog");
        var ringing = await blf.NextNotifyAsync();
        Assert.Equal(("early", "1"), (ringing.Dialogs, ringing.Version));
        var confirmed = await alice.SendAsync($"publish {Alice} application/dialog-info+xml {DialogInfo("confirmed", 1)} 600 {early["etag"]} dialog");
        var inCall = await blf.NextNotifyAsync();
        Assert.Equal(("confirmed", "2"), (inCall.Dialogs, inCall.Version));
        // The HTTP API shows the same dialogs.
        using (var api = server.CreateApiClient())
        {
            var presence = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(api, "/api/users/alice%40example.com/presence");
            var dialog = Assert.Single(presence.GetProperty("dialogs").EnumerateArray().ToList());
            Assert.Equal(("call-1", "c1@192.0.2.7", "recipient", "confirmed"), (dialog.GetProperty("id").GetString(),
                dialog.GetProperty("callId").GetString(), dialog.GetProperty("direction").GetString(), dialog.GetProperty("state").GetString()));
        }

        // A presence change is not a dialog change: the lamp hears nothing of alice's registration.
        Assert.Equal(200, (await alice.SendAsync($"register {Alice} 600")).Code);
        Assert.True(await blf.NoNotifyWithinAsync(TimeSpan.FromMilliseconds(500)));

        Assert.Equal(200, (await alice.SendAsync($"publish {Alice} - - 0 {confirmed["etag"]} dialog")).Code);
        var hungUp = await blf.NextNotifyAsync();
        Assert.Equal(("none", "3"), (hungUp.Dialogs, hungUp.Version));
        Assert.True(hungUp.CSeq > inCall.CSeq);
    }

    [Fact]
    public async Task A_lamps_version_keeps_rising_across_a_crash_of_the_server_in_the_same_dialog()
    {
        var server = await ServerProcess.StartAsync(auth: true);
        try
        {
            await server.ProvisionAsync("alice@example.com", "alice-secret");
            await server.ProvisionAsync("bob@example.com", "bob-secret");
            await using var alice = await PerlSipClient.StartAsync(server.Port);
            await using var blf = await PerlSipClient.StartAsync(server.Port);
            await alice.SendAsync($"auth {Alice} alice alice-secret");
            await blf.SendAsync($"auth {Bob} bob bob-secret");
            Assert.Equal(200, (await blf.SendAsync($"subscribe {Bob} {Alice} 3600 dialog")).Code);
            await blf.NextNotifyAsync();
            var early = await alice.SendAsync($"publish {Alice} application/dialog-info+xml {DialogInfo("early", 0)} 3600 - dialog");
            var before = await blf.NextNotifyAsync();
            Assert.Equal(("early", "1"), (before.Dialogs, before.Version));

            // SIGKILL, and the same store on the same ports: the lamp's dialog and alice's call are back.
            server = await server.CrashAndRestartAsync();
            Assert.Equal(200, (await alice.SendAsync($"publish {Alice} application/dialog-info+xml {DialogInfo("confirmed", 1)} 3600 {early["etag"]} dialog")).Code);
            var after = await NextWithDialogsAsync(blf, d => d == "confirmed");
            Assert.Equal(before.CallId, after.CallId);
            Assert.True(after.CSeq > before.CSeq, $"CSeq {after.CSeq} after {before.CSeq}");
            Assert.True(long.Parse(after.Version, System.Globalization.CultureInfo.InvariantCulture) > 1, "version " + after.Version);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Alices_rules_decide_who_sees_her_calls_block_refuses_and_polite_block_shows_none()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        foreach (string user in new[] { "alice", "bob", "carol" })
            await server.ProvisionAsync($"{user}@example.com", $"{user}-secret");
        using (var api = server.CreateApiClient())
        {
            foreach (var (watcher, action) in new[] { ("bob@example.com", "block"), ("carol@example.com", "polite-block") })
            {
                var set = await System.Net.Http.Json.HttpClientJsonExtensions.PutAsJsonAsync(api, "/api/users/alice@example.com/rules", new { watcher, action });
                Assert.True(set.IsSuccessStatusCode, await set.Content.ReadAsStringAsync());
            }
        }
        await using var alice = await PerlSipClient.StartAsync(server.Port);
        await using var bob = await PerlSipClient.StartAsync(server.Port);
        await using var carol = await PerlSipClient.StartAsync(server.Port);
        await alice.SendAsync($"auth {Alice} alice alice-secret");
        await bob.SendAsync($"auth {Bob} bob bob-secret");
        await carol.SendAsync("auth sip:carol@example.com carol carol-secret");

        Assert.Equal(403, (await bob.SendAsync($"subscribe {Bob} {Alice} 600 dialog")).Code);
        Assert.Equal(200, (await carol.SendAsync($"subscribe sip:carol@example.com {Alice} 600 dialog")).Code);
        Assert.Equal("none", (await carol.NextNotifyAsync()).Dialogs);
        Assert.Equal(200, (await alice.SendAsync($"publish {Alice} application/dialog-info+xml {DialogInfo("confirmed", 0)} 600 - dialog")).Code);
        Assert.True(await carol.NoNotifyWithinAsync(TimeSpan.FromMilliseconds(700)));
    }

    /// <summary>The next NOTIFY of a lamp whose dialogs match (a restart, or the proxy's earlier states, may come first).</summary>
    internal static async Task<PerlSipClient.Notification> NextWithDialogsAsync(PerlSipClient lamp, Func<string, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var notify = await lamp.NextNotifyAsync(deadline - DateTime.UtcNow);
            if (match(notify.Dialogs))
                return notify;
        }
    }
}
