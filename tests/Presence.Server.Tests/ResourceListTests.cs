using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests;

/// <summary>
/// Buddy lists with one subscription (RFC 4662 resource lists, RFC 4826 content): a list put through the HTTP API,
/// subscribed to as sip:alice+buddies@example.com, each member decided by its own rules for the subscriber.
/// </summary>
public sealed class ResourceListTests
{
    private const string ListUri = "sip:alice+buddies@example.com";

    private static async Task PutListAsync(HttpClient api, string owner, string name, string[] members, string[]? subscribers = null)
    {
        var response = await api.PutAsJsonAsync($"/api/users/{owner}/lists/{name}", new
        {
            displayName = "Buddies",
            entries = members.Select(m => new { uri = m, displayName = m.Split('@')[0] }),
            subscribers = subscribers ?? [],
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task SetRuleAsync(HttpClient api, string user, string watcher, string action)
    {
        var response = await api.PutAsJsonAsync($"/api/users/{user}/rules", new { watcher, action });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_list_subscription_gets_full_state_then_partial_state_each_member_decided_by_its_own_rules()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        using var api = server.CreateApiClient();
        await SetRuleAsync(api, "carol@example.com", "alice@example.com", "block");
        await SetRuleAsync(api, "dave@example.com", "alice@example.com", "confirm");
        await PutListAsync(api, "alice@example.com", "buddies", ["bob@example.com", "carol@example.com", "dave@example.com"]);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");

        var ok = await alice.SubscribeListAsync(ListUri);
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("eventlist", ok.GetFirst(HeaderId.Require));

        var first = ListNotification.Parse(await alice.NextNotifyAsync());
        Assert.True(first.FullState);
        Assert.Equal(ListUri, first.ListUri);
        Assert.StartsWith("active;expires=", first.SubscriptionState, StringComparison.Ordinal);
        Assert.Equal(["sip:bob@example.com", "sip:carol@example.com", "sip:dave@example.com"], first.Resources.Select(r => r.Uri));
        Assert.Equal(("active", "unreachable"), (first["sip:bob@example.com"].State, first["sip:bob@example.com"].Extended));
        Assert.Equal("bob", first["sip:bob@example.com"].Name);
        Assert.Equal(("terminated", "rejected", (string?)null), (first["sip:carol@example.com"].State, first["sip:carol@example.com"].Reason, first["sip:carol@example.com"].Pidf));
        Assert.Equal(("pending", (string?)null), (first["sip:dave@example.com"].State, first["sip:dave@example.com"].Pidf));

        // Bob comes online: only Bob is in the next document, and its version is one more.
        Assert.Equal(200, (await bob.RegisterAsync()).StatusCode);
        var second = ListNotification.Parse(await alice.NextNotifyAsync());
        Assert.False(second.FullState);
        Assert.Equal(first.Version + 1, second.Version);
        var onlyBob = Assert.Single(second.Resources);
        Assert.Equal(("sip:bob@example.com", "active", "available"), (onlyBob.Uri, onlyBob.State, onlyBob.Extended));

        // Dave approves Alice: she now sees him (offline), in a partial document of his alone.
        await SetRuleAsync(api, "dave@example.com", "alice@example.com", "allow");
        var third = ListNotification.Parse(await alice.NextNotifyAsync());
        Assert.False(third.FullState);
        var onlyDave = Assert.Single(third.Resources);
        Assert.Equal(("sip:dave@example.com", "active", "unreachable"), (onlyDave.Uri, onlyDave.State, onlyDave.Extended));
        Assert.Equal(second.Version + 1, third.Version);

        // Alice's list shows a politely blocked member as closed, like a direct subscription would.
        await SetRuleAsync(api, "bob@example.com", "alice@example.com", "polite-block");
        var fourth = ListNotification.Parse(await alice.NextNotifyAsync());
        var politely = Assert.Single(fourth.Resources);
        Assert.Equal(("sip:bob@example.com", "active", "closed"), (politely.Uri, politely.State, politely.Basic));
    }

    [Fact]
    public async Task Without_supported_eventlist_a_list_is_421_and_only_its_owner_and_named_subscribers_may_subscribe()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        using var api = server.CreateApiClient();
        await PutListAsync(api, "alice@example.com", "buddies", ["bob@example.com"], subscribers: ["erin@example.com"]);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var erin = new TestUserAgent(server.Port, "erin");
        await using var mallory = new TestUserAgent(server.Port, "mallory");

        var refused = await alice.SubscribeListAsync(ListUri, eventList: false);
        Assert.Equal(421, refused.StatusCode);
        Assert.Equal("eventlist", refused.GetFirst(HeaderId.Require));

        Assert.Equal(403, (await mallory.SubscribeListAsync(ListUri)).StatusCode);
        Assert.Equal(200, (await erin.SubscribeListAsync(ListUri)).StatusCode);
        var full = ListNotification.Parse(await erin.NextNotifyAsync());
        Assert.Equal("sip:bob@example.com", Assert.Single(full.Resources).Uri);

        // A user's URI with '+' that names no list of its owner is that user's (bob+home has no list "home").
        await using var watcher = new TestUserAgent(server.Port, "watcher");
        Assert.Equal(200, (await watcher.SubscribeAsync("sip:bob+home@example.com")).StatusCode);
        Assert.Equal("unreachable", TestUserAgent.ExtendedOf(await watcher.NextNotifyAsync()));
    }

    [Fact]
    public async Task Changes_of_many_members_close_together_leave_in_few_notifies_and_list_changes_reach_the_watcher_at_once()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        using var api = server.CreateApiClient();
        string[] members = [.. Enumerable.Range(1, 30).Select(i => $"m{i}@example.com")];
        await PutListAsync(api, "alice@example.com", "buddies", members);
        await using var alice = new TestUserAgent(server.Port, "alice");
        Assert.Equal(200, (await alice.SubscribeListAsync(ListUri)).StatusCode);
        var first = ListNotification.Parse(await alice.NextNotifyAsync());
        Assert.Equal(30, first.Resources.Count);
        Assert.All(first.Resources, r => Assert.Equal("unreachable", r.Extended));

        // The office comes in at 9:00: 30 registrations at once.
        var agents = members.Select(m => new TestUserAgent(server.Port, m.Split('@')[0])).ToList();
        try
        {
            await Task.WhenAll(agents.Select(a => a.RegisterAsync()));
            var online = new HashSet<string>();
            int notifies = 0;
            while (online.Count < 30)
            {
                var partial = ListNotification.Parse(await alice.NextNotifyAsync());
                notifies++;
                Assert.False(partial.FullState);
                foreach (var r in partial.Resources.Where(r => r.Extended == "available"))
                    online.Add(r.Uri);
            }
            // 30 changes within well under a second, a NOTIFY at most every 250 ms: far fewer NOTIFYs than changes.
            Assert.InRange(notifies, 1, 10);
        }
        finally
        {
            foreach (var a in agents)
                await a.DisposeAsync();
        }

        // The owner adds a member through the API: the watcher hears the whole list again.
        await PutListAsync(api, "alice@example.com", "buddies", [.. members, "zoe@example.com"]);
        var changed = ListNotification.Parse(await alice.NextNotifyAsync());
        Assert.True(changed.FullState);
        Assert.Equal(31, changed.Resources.Count);
        Assert.Equal("unreachable", changed["sip:zoe@example.com"].Extended);

        // Deleting the list ends its subscription (RFC 6665 §4.2.2 noresource).
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync("/api/users/alice@example.com/lists/buddies")).StatusCode);
        Assert.Equal("terminated;reason=noresource", (await alice.NextNotifyAsync()).GetFirst(HeaderId.SubscriptionState));
    }

    [Fact]
    public async Task A_list_subscription_survives_a_crash_its_version_keeps_rising_and_members_changes_still_arrive()
    {
        var server = await ServerProcess.StartAsync(auth: false);
        try
        {
            using (var api = server.CreateApiClient())
                await PutListAsync(api, "alice@example.com", "buddies", ["bob@example.com", "carol@example.com"]);
            await using var alice = new TestUserAgent(server.Port, "alice");
            await using var bob = new TestUserAgent(server.Port, "bob");
            Assert.Equal(200, (await alice.SubscribeListAsync(ListUri)).StatusCode);
            var before = ListNotification.Parse(await alice.NextNotifyAsync());

            server = await server.CrashAndRestartAsync();
            Assert.Equal(200, (await bob.RegisterAsync()).StatusCode);
            ListNotification after;
            do
            {
                after = ListNotification.Parse(await alice.NextNotifyAsync(TimeSpan.FromSeconds(15)));
                Assert.True(after.Version > before.Version, $"version {after.Version} after {before.Version}");
            }
            while (after.Resources.All(r => r.Uri != "sip:bob@example.com" || r.Extended != "available"));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_busy_lamp_list_carries_each_members_dialog_state_and_each_members_rules_decide()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        using var api = server.CreateApiClient();
        await SetRuleAsync(api, "carol@example.com", "alice@example.com", "block");
        await PutListAsync(api, "alice@example.com", "buddies", ["bob@example.com", "carol@example.com"]);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");

        var ok = await alice.SubscribeListAsync(ListUri, @event: "dialog");
        Assert.Equal((200, "eventlist"), (ok.StatusCode, ok.GetFirst(HeaderId.Require)));
        var first = await alice.NextNotifyAsync();
        Assert.Equal("dialog", first.GetFirst(HeaderId.Event));
        var full = ListNotification.Parse(first);
        Assert.True(full.FullState);
        // Bob is in no call (a dialog-info document without dialogs); Carol refuses Alice as she would a direct SUBSCRIBE.
        Assert.Equal(("active", ""), (full["sip:bob@example.com"].State, full["sip:bob@example.com"].DialogStates));
        Assert.Equal(("terminated", "rejected"), (full["sip:carol@example.com"].State, full["sip:carol@example.com"].Reason));

        Assert.Equal(200, (await bob.PublishAsync("application/dialog-info+xml",
            "<?xml version=\"1.0\"?><dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"0\" state=\"full\" entity=\"sip:bob@example.com\">"
            + "<dialog id=\"d1\" call-id=\"c1@192.0.2.7\" direction=\"recipient\"><state>early</state></dialog></dialog-info>", @event: "dialog")).StatusCode);
        var ringing = ListNotification.Parse(await alice.NextNotifyAsync());
        Assert.False(ringing.FullState);
        var onlyBob = Assert.Single(ringing.Resources);
        Assert.Equal(("sip:bob@example.com", "early"), (onlyBob.Uri, onlyBob.DialogStates));
    }

    [Fact]
    public async Task Lists_are_written_and_read_as_rfc_4826_xml_and_bad_lists_are_refused()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        using var api = server.CreateApiClient();
        const string xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">
              <list name="work">
                <display-name>Work</display-name>
                <entry uri="sip:bob@example.com"><display-name>Bob Smith</display-name></entry>
                <list name="team"><entry uri="sip:carol@example.com"/></list>
              </list>
            </resource-lists>
            """;
        var put = await api.PutAsync("/api/users/alice@example.com/lists/work", new StringContent(xml, Encoding.UTF8, "application/resource-lists+xml"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var json = await api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/users/alice@example.com/lists/work");
        Assert.Equal("sip:alice+work@example.com", json.GetProperty("uri").GetString());
        Assert.Equal("Work", json.GetProperty("displayName").GetString());
        Assert.Equal(["sip:bob@example.com", "sip:carol@example.com"], json.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("uri").GetString()));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/users/alice@example.com/lists/work");
        request.Headers.Accept.ParseAdd("application/resource-lists+xml");
        var asXml = await api.SendAsync(request);
        Assert.Equal("application/resource-lists+xml", asXml.Content.Headers.ContentType!.MediaType);
        var doc = System.Xml.Linq.XDocument.Parse(await asXml.Content.ReadAsStringAsync());
        System.Xml.Linq.XNamespace rl = "urn:ietf:params:xml:ns:resource-lists";
        Assert.Equal("Bob Smith", doc.Descendants(rl + "entry").First().Element(rl + "display-name")!.Value);

        var entryRef = await api.PutAsync("/api/users/alice@example.com/lists/x", new StringContent(
            "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list><entry-ref ref=\"users/a\"/></list></resource-lists>",
            Encoding.UTF8, "application/resource-lists+xml"));
        Assert.Equal(HttpStatusCode.BadRequest, entryRef.StatusCode);
        Assert.Contains("entry-ref", await entryRef.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var broken = await api.PutAsync("/api/users/alice@example.com/lists/x", new StringContent("<resource-lists", Encoding.UTF8, "application/resource-lists+xml"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        var badName = await api.PutAsJsonAsync("/api/users/alice@example.com/lists/has%20space", new { entries = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        var badMember = await api.PutAsJsonAsync("/api/users/alice@example.com/lists/y", new { entries = new[] { new { uri = "not a uri" } } });
        Assert.Equal(HttpStatusCode.BadRequest, badMember.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync("/api/users/alice@example.com/lists/none")).StatusCode);
        var all = await api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/users/alice@example.com/lists");
        Assert.Equal(["work"], all.EnumerateArray().Select(l => l.GetProperty("name").GetString()));
    }
}
