using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests;

/// <summary>Watcher authorization against the real server: rules through the HTTP API, effects on SIP watchers.</summary>
public sealed class WatcherAuthorizationTests
{
    [Fact]
    public async Task A_confirm_watcher_is_pending_visible_to_the_user_then_active_after_approval()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var eve = new TestUserAgent(server.Port, "eve", "elsewhere.example");
        using var api = server.CreateApiClient();
        await alice.RegisterAsync();

        Assert.Equal(200, (await eve.SubscribeAsync(alice.Aor)).StatusCode);
        var pending = await eve.NextNotifyAsync();
        Assert.Equal("pending;expires=600", pending.GetFirst(HeaderId.SubscriptionState));
        Assert.Equal(0, pending.Body.Length);

        using (var watchers = JsonDocument.Parse(await api.GetStringAsync("/api/users/alice@example.com/watchers")))
        {
            var w = Assert.Single(watchers.RootElement.EnumerateArray());
            Assert.Equal("sip:eve@elsewhere.example", w.GetProperty("watcher").GetString());
            Assert.Equal("pending", w.GetProperty("state").GetString());
        }

        var approve = await api.PutAsJsonAsync("/api/users/alice@example.com/rules", new { watcher = "eve@elsewhere.example", action = "allow" });
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        var active = await eve.NextNotifyAsync();
        // The seconds left count down from 600 while the approval travels: a busy machine may take a second or two.
        var state = active.GetFirst(HeaderId.SubscriptionState)!;
        Assert.StartsWith("active;expires=", state, StringComparison.Ordinal);
        Assert.InRange(int.Parse(state["active;expires=".Length..].Split(';')[0], System.Globalization.CultureInfo.InvariantCulture), 590, 600);
        Assert.Equal("available", TestUserAgent.ExtendedOf(active));
    }

    [Fact]
    public async Task A_polite_blocked_watcher_sees_closed_and_no_note_and_a_blocked_one_is_rejected()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");
        await using var carol = new TestUserAgent(server.Port, "carol");
        using var api = server.CreateApiClient();
        await alice.RegisterAsync();
        await api.PutAsJsonAsync("/api/users/alice@example.com/dnd", new { comment = "Only for friends" });

        await bob.SubscribeAsync(alice.Aor);
        Assert.Equal("donotdisturb", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));
        await api.PutAsJsonAsync("/api/users/alice@example.com/rules", new { watcher = "bob@example.com", action = "polite-block" });
        var polite = await bob.NextNotifyAsync();
        string xml = Encoding.UTF8.GetString(polite.Body.Span);
        Assert.Contains("<basic>closed</basic>", xml, StringComparison.Ordinal);
        Assert.Null(TestUserAgent.NoteOf(polite));
        Assert.DoesNotContain("<contact", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("extended", xml, StringComparison.Ordinal);
        // Changes no longer reach bob.
        await api.DeleteAsync("/api/users/alice@example.com/dnd");
        Assert.True(await bob.NoNotifyWithinAsync(TimeSpan.FromMilliseconds(500)));

        await carol.SubscribeAsync(alice.Aor);
        await carol.NextNotifyAsync();
        await api.PutAsJsonAsync("/api/users/alice@example.com/rules", new { watcher = "carol@example.com", action = "block" });
        Assert.Equal("terminated;reason=rejected", (await carol.NextNotifyAsync()).GetFirst(HeaderId.SubscriptionState));
        var refused = await carol.SubscribeAsync(alice.Aor);
        Assert.Equal(403, refused.StatusCode);

        using var rules = JsonDocument.Parse(await api.GetStringAsync("/api/users/alice@example.com/rules"));
        Assert.Equal(["sip:bob@example.com:polite-block", "sip:carol@example.com:block"],
            rules.RootElement.EnumerateArray().Select(r => r.GetProperty("watcher").GetString() + ":" + r.GetProperty("action").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsJsonAsync("/api/users/alice@example.com/rules", new { watcher = "bob@example.com", action = "maybe" })).StatusCode);
    }

    [Fact]
    public async Task The_central_policy_from_configuration_blocks_a_domain()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs: ["--Presence:Rules:Watchers:Domains:rival.example=Block"]);
        await using var spy = new TestUserAgent(server.Port, "spy", "rival.example");
        Assert.Equal(403, (await spy.SubscribeAsync("sip:alice@example.com")).StatusCode);
    }
}

/// <summary>presence.winfo (RFC 3857) against the real server.</summary>
public sealed class WatcherInfoProtocolTests
{
    [Fact]
    public async Task Alice_sees_her_watchers_and_pending_requests_over_sip()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");
        await using var eve = new TestUserAgent(server.Port, "eve", "elsewhere.example");
        using var api = server.CreateApiClient();

        await bob.SubscribeAsync(alice.Aor);
        var winfo = await alice.SubscribeAsync(alice.Aor, @event: "presence.winfo");
        Assert.Equal(200, winfo.StatusCode);
        var full = await alice.NextNotifyAsync();
        Assert.Equal("presence.winfo", full.GetFirst(HeaderId.Event));
        Assert.Equal("application/watcherinfo+xml", full.GetFirst(HeaderId.ContentType));
        string fullXml = Encoding.UTF8.GetString(full.Body.Span);
        Assert.Contains("state=\"full\"", fullXml, StringComparison.Ordinal);
        Assert.Contains(">sip:bob@example.com</watcher>", fullXml, StringComparison.Ordinal);

        await eve.SubscribeAsync(alice.Aor);
        string pending = Encoding.UTF8.GetString((await alice.NextNotifyAsync()).Body.Span);
        Assert.Contains("state=\"partial\"", pending, StringComparison.Ordinal);
        Assert.Contains("status=\"pending\" event=\"subscribe\">sip:eve@elsewhere.example</watcher>", pending, StringComparison.Ordinal);

        await api.PutAsJsonAsync("/api/users/alice@example.com/rules", new { watcher = "eve@elsewhere.example", action = "allow" });
        string approved = Encoding.UTF8.GetString((await alice.NextNotifyAsync()).Body.Span);
        Assert.Contains("status=\"active\" event=\"approved\">sip:eve@elsewhere.example</watcher>", approved, StringComparison.Ordinal);

        // Bob may not see alice's watchers.
        Assert.Equal(403, (await bob.SubscribeAsync(alice.Aor, @event: "presence.winfo")).StatusCode);
    }
}

/// <summary>Central group rules from configuration, with groups set through the provisioning API.</summary>
public sealed class GroupPolicyTests
{
    [Fact]
    public async Task Contractors_may_never_watch_executives()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs:
        [
            "--Presence:Rules:Watchers:Groups:0:Watchers=contractors",
            "--Presence:Rules:Watchers:Groups:0:Presentities=executives",
            "--Presence:Rules:Watchers:Groups:0:Action=Block",
        ]);
        using var api = server.CreateApiClient();
        foreach (var (aor, groups) in new[] { ("ceo@example.com", "executives"), ("temp@example.com", "contractors"), ("staff@example.com", "staff") })
        {
            Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/users", new { aor, password = "long-enough" })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/users/{aor}/groups", new[] { groups })).StatusCode);
        }
        await using var temp = new TestUserAgent(server.Port, "temp");
        await using var staff = new TestUserAgent(server.Port, "staff");
        Assert.Equal(403, (await temp.SubscribeAsync("sip:ceo@example.com")).StatusCode);
        Assert.Equal(200, (await staff.SubscribeAsync("sip:ceo@example.com")).StatusCode);
        Assert.Equal(200, (await temp.SubscribeAsync("sip:staff@example.com")).StatusCode);
        using var user = JsonDocument.Parse(await api.GetStringAsync("/api/users/temp@example.com"));
        Assert.Equal("contractors", user.RootElement.GetProperty("groups")[0].GetString());
    }
}
