using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>Who may see what: allow, confirm, polite-block and block, by user rule and by central policy.</summary>
public sealed class WatcherRuleTests
{
    private static PresenceOutcome SubscribeAs(PresentityHarness h, string watcher, string callId = "c1") =>
        h.User.Subscribe(new SubscribeRequest(callId, "w-" + callId, null, watcher, watcher, "sip:w@192.0.2.9", [], null, 600, true, null), h.Now);

    [Fact]
    public void Same_domain_is_allowed_and_other_domains_are_pending_by_default()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Take();
        SubscribeAs(h, "sip:bob@example.com", "c1");
        var allowed = Assert.Single(h.Take().Notifies);
        Assert.Equal("active;expires=600", allowed.SubscriptionState);
        Assert.NotEmpty(allowed.Body);

        Assert.Equal(200, SubscribeAs(h, "sip:eve@elsewhere.example", "c2").StatusCode);
        var pending = Assert.Single(h.Take().Notifies);
        Assert.Equal("pending;expires=600", pending.SubscriptionState);
        Assert.Empty(pending.Body);

        // A pending watcher hears nothing of changes.
        h.Publish(Pidf.OnThePhone());
        Assert.Equal(["sip:bob@example.com"], h.Take().Notifies.Select(n => n.Subscription.WatcherAor));
    }

    [Fact]
    public void Approving_a_pending_watcher_sends_it_the_full_document_at_once()
    {
        var h = new PresentityHarness();
        h.Register();
        SubscribeAs(h, "sip:eve@elsewhere.example");
        h.Take();
        h.User.SetRule("sip:eve@elsewhere.example", WatcherAction.Allow, h.Now);
        var notify = Assert.Single(h.Take().Notifies);
        Assert.Equal("active;expires=600", notify.SubscriptionState);
        Assert.Equal("available", PresentityHarness.ExtendedOf(notify));
    }

    [Fact]
    public void Polite_block_shows_closed_and_nothing_else_ever()
    {
        var h = new PresentityHarness();
        h.User.SetRule("sip:bob@example.com", WatcherAction.PoliteBlock, h.Now);
        h.Register();
        h.User.SetSettings(new UserSettings(false, null, [new global::Presence.Core.Documents.AlternativeContact("tel:+1555", 0.5)], null), h.Now);
        h.Take();
        SubscribeAs(h, "sip:bob@example.com");
        var notify = Assert.Single(h.Take().Notifies);
        string xml = System.Text.Encoding.UTF8.GetString(notify.Body);
        Assert.Contains("<basic>closed</basic>", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("contact", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("extended", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("note", xml, StringComparison.Ordinal);

        h.Publish(Pidf.OnThePhone());
        Assert.Empty(h.Take().Notifies);
    }

    [Fact]
    public void Block_refuses_new_watchers_and_terminates_existing_ones_as_rejected()
    {
        var h = new PresentityHarness();
        SubscribeAs(h, "sip:bob@example.com", "c1");
        h.Take();
        h.User.SetRule("sip:bob@example.com", WatcherAction.Block, h.Now);
        var last = Assert.Single(h.Take().Notifies);
        Assert.Equal("terminated;reason=rejected", last.SubscriptionState);
        Assert.Empty(last.Body);
        Assert.Empty(h.User.Subscriptions);
        Assert.Equal(403, SubscribeAs(h, "sip:bob@example.com", "c2").StatusCode);
    }

    [Fact]
    public void User_rules_beat_domain_rules_which_beat_the_central_policy()
    {
        var policy = new WatcherPolicy { Domains = { ["rival.example"] = WatcherAction.Block } };
        var rules = new Dictionary<string, WatcherAction>(StringComparer.OrdinalIgnoreCase)
        {
            ["@partner.example"] = WatcherAction.Allow,
            ["sip:boss@rival.example"] = WatcherAction.Allow,
        };
        Assert.Equal(WatcherAction.Allow, policy.Decide("sip:a@example.com", "sip:x@partner.example", rules));
        Assert.Equal(WatcherAction.Allow, policy.Decide("sip:a@example.com", "sip:boss@rival.example", rules));
        Assert.Equal(WatcherAction.Block, policy.Decide("sip:a@example.com", "sip:spy@rival.example", rules));
        Assert.Equal(WatcherAction.Confirm, policy.Decide("sip:a@example.com", "sip:x@other.example", rules));
        Assert.Equal(WatcherAction.Allow, policy.Decide("sip:a@example.com", "sip:b@EXAMPLE.com", rules));
    }

    [Fact]
    public void Rules_survive_a_reload()
    {
        var h = new PresentityHarness();
        h.User.SetRule("@elsewhere.example", WatcherAction.Block, h.Now);
        var items = h.Take().Upserts.ToList();
        var reloaded = Core.Presentity.Presentity.Load("sip:alice@example.com", items, h.Now);
        Assert.Equal(WatcherAction.Block, reloaded.Rules["@elsewhere.example"]);
    }
}

public sealed class GroupRuleTests
{
    private static readonly WatcherPolicy Policy = new()
    {
        Groups = [new GroupRule { Watchers = "contractors", Presentities = "executives", Action = WatcherAction.Block }],
    };

    [Fact]
    public void A_group_may_never_watch_another()
    {
        var none = new Dictionary<string, WatcherAction>();
        Assert.Equal(WatcherAction.Block, Policy.Decide("sip:ceo@example.com", "sip:temp@example.com", none, ["contractors"], ["executives"]));
        Assert.Equal(WatcherAction.Allow, Policy.Decide("sip:ceo@example.com", "sip:staff@example.com", none, ["staff"], ["executives"]));
        Assert.Equal(WatcherAction.Allow, Policy.Decide("sip:dev@example.com", "sip:temp@example.com", none, ["contractors"], ["engineering"]));
        // The user's own rule still comes first.
        var own = new Dictionary<string, WatcherAction> { ["sip:temp@example.com"] = WatcherAction.Allow };
        Assert.Equal(WatcherAction.Allow, Policy.Decide("sip:ceo@example.com", "sip:temp@example.com", own, ["contractors"], ["executives"]));
    }

    [Fact]
    public void Joining_a_group_reconsiders_existing_watchers()
    {
        var h = new PresentityHarness { User = new Core.Presentity.Presentity("sip:ceo@example.com", new PresenceOptions { Watchers = Policy }) };
        h.User.Subscribe(new SubscribeRequest("c", "t", null, "sip:temp@example.com", "sip:temp@example.com", "sip:t@192.0.2.5", [], null, 600, true, null,
            WatcherGroups: ["contractors"]), h.Now);
        Assert.Equal("active;expires=600", Assert.Single(h.Take().Notifies).SubscriptionState);
        h.User.SetGroups(["executives"], h.Now);
        Assert.Equal("terminated;reason=rejected", Assert.Single(h.Take().Notifies).SubscriptionState);
        Assert.Empty(h.User.Subscriptions);
    }
}
