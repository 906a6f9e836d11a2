using Presence.Core.Documents;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>SUBSCRIBE and the NOTIFYs it causes, as RFC 6665 and RFC 3856 say.</summary>
public sealed class SubscriptionTests
{
    [Fact]
    public void New_subscription_gets_an_immediate_notify_with_the_current_document()
    {
        var h = new PresentityHarness();
        h.Register();
        var outcome = h.Subscribe();
        Assert.Equal(200, outcome.StatusCode);
        Assert.NotNull(outcome.NotifierTag);
        var notify = Assert.Single(h.Take().Notifies);
        Assert.Equal("active;expires=600", notify.SubscriptionState);
        Assert.Equal(1, notify.CSeq);
        Assert.Equal("available", PresentityHarness.ExtendedOf(notify));
        Assert.Equal(outcome.NotifierTag, notify.Subscription.NotifierTag);
    }

    [Fact]
    public void Notifies_on_every_change_and_never_when_nothing_changed()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Subscribe();
        h.Take();
        var etag = h.Publish(Pidf.Basic("open")).EntityTag; // same composite: available
        Assert.Empty(h.Take().Notifies);
        h.Publish(Pidf.OnThePhone(), ifMatch: etag);
        var busy = Assert.Single(h.Take().Notifies);
        Assert.Equal("busy", PresentityHarness.ExtendedOf(busy));
        Assert.Equal(2, busy.CSeq);
        h.Register(); // a refresh of the same binding changes nothing watchers see
        Assert.Empty(h.Take().Notifies);
    }

    [Fact]
    public void Refresh_notifies_again_and_unsubscribe_terminates()
    {
        var h = new PresentityHarness();
        string tag = h.Subscribe().NotifierTag!;
        h.Take();
        var refresh = h.Subscribe(notifierTag: tag, expires: 1200);
        Assert.Equal(200, refresh.StatusCode);
        Assert.Equal("active;expires=1200", Assert.Single(h.Take().Notifies).SubscriptionState);

        var unsubscribe = h.Subscribe(notifierTag: tag, expires: 0);
        Assert.Equal(200, unsubscribe.StatusCode);
        var final = Assert.Single(h.Take().Notifies);
        Assert.Equal("terminated;reason=timeout", final.SubscriptionState);
        Assert.True(final.Terminal);
        Assert.Equal(3, final.CSeq);
        Assert.Empty(h.User.Subscriptions);
    }

    [Fact]
    public void Fetch_gets_one_terminated_notify_and_keeps_nothing()
    {
        var h = new PresentityHarness();
        h.Register();
        var fetch = h.Subscribe(expires: 0);
        Assert.Equal(200, fetch.StatusCode);
        var changes = h.Take();
        var notify = Assert.Single(changes.Notifies);
        Assert.Equal("terminated;reason=timeout", notify.SubscriptionState);
        Assert.Equal("available", PresentityHarness.ExtendedOf(notify));
        Assert.Empty(h.User.Subscriptions);
        Assert.DoesNotContain(changes.Upserts, u => u.Kind == "subscription");
    }

    [Fact]
    public void Unknown_dialog_is_481_and_a_short_expiry_423()
    {
        var h = new PresentityHarness();
        Assert.Equal(481, h.Subscribe(notifierTag: "nope").StatusCode);
        var tooShort = h.Subscribe(expires: 5);
        Assert.Equal(423, tooShort.StatusCode);
        Assert.Equal(60, tooShort.MinExpires);
    }

    [Fact]
    public void Expired_subscription_gets_terminated_timeout()
    {
        var h = new PresentityHarness();
        h.Subscribe(expires: 60);
        h.Take();
        h.Advance(TimeSpan.FromSeconds(60));
        var notify = Assert.Single(h.Take().Notifies);
        Assert.Equal("terminated;reason=timeout", notify.SubscriptionState);
        Assert.Empty(h.User.Subscriptions);
    }

    [Theory]
    [InlineData(481, true)]
    [InlineData(408, true)]
    [InlineData(503, true)]
    [InlineData(500, false)]
    [InlineData(200, false)]
    public void A_failed_notify_removes_the_watcher(int status, bool removed)
    {
        var h = new PresentityHarness();
        string tag = h.Subscribe().NotifierTag!;
        h.Take();
        h.User.OnNotifyResult(tag, status, h.Now);
        Assert.Equal(removed ? 0 : 1, h.User.Subscriptions.Count);
        h.Register();
        Assert.Equal(removed ? 0 : 1, h.Take().Notifies.Count);
    }

    [Fact]
    public void Watcher_that_cannot_take_pidf_gets_406()
    {
        var h = new PresentityHarness();
        var outcome = h.User.Subscribe(new SubscribeRequest(
            "c", "w", null, "sip:bob@example.com", "sip:bob@example.com", "sip:bob@192.0.2.9", [], null, 600, AcceptsDocument: false, null), h.Now);
        Assert.Equal(406, outcome.StatusCode);
    }

    [Fact]
    public void Notify_cseq_keeps_rising_across_a_reload_without_a_write_per_notify()
    {
        var h = new PresentityHarness();
        h.Register();
        string tag = h.Subscribe().NotifierTag!;
        var stored = new StoredRows();
        void Persist(PresentityChanges c) => stored.Apply(c);
        Persist(h.Take());
        long lastCSeq = 1;
        int subscriptionWrites = 0;
        void Step()
        {
            var changes = h.Take();
            subscriptionWrites += changes.Upserts.Count(u => u.Kind == "subscription");
            if (changes.Notifies.Count > 0)
                lastCSeq = changes.Notifies.Max(n => n.CSeq);
            Persist(changes);
        }
        // Busy, then available again, ten times: twenty NOTIFYs, well inside one reserved block.
        for (int i = 0; i < 10; i++)
        {
            string etag = h.Publish(Pidf.OnThePhone(), expires: 600).EntityTag!;
            Step();
            h.Publish(null, ifMatch: etag, expires: 0);
            Step();
        }
        Assert.Equal(21, lastCSeq);
        Assert.Equal(0, subscriptionWrites);

        // A crash: the presentity comes back from storage and the next NOTIFY continues above every CSeq used.
        var reloaded = stored.Load("sip:alice@example.com", h.Now);
        reloaded.TakeChanges();
        reloaded.Publish(new PublishRequest(null, 600, Pidf.ContentType, Pidf.OnThePhone()), h.Now);
        var next = Assert.Single(reloaded.TakeChanges().Notifies);
        Assert.Equal(tag, next.Subscription.Id);
        Assert.True(next.CSeq > lastCSeq, $"{next.CSeq} > {lastCSeq}");
    }

    [Fact]
    public void Activating_a_user_with_many_watchers_writes_one_number_and_CSeqs_keep_rising_past_blocks_and_crashes()
    {
        var h = new PresentityHarness();
        for (int w = 0; w < 40; w++)
            h.Subscribe(callId: $"watcher-{w}", watcherTag: $"w{w}");
        var stored = new StoredRows();
        void Persist(PresentityChanges c) => stored.Apply(c);
        Persist(h.Take());
        Core.Presentity.Presentity Reload() => stored.Load("sip:alice@example.com", h.Now);

        var user = Reload();
        var loaded = user.TakeChanges();
        // The activation reserves the next block for all 40 dialogs with one small row, not 40 subscription rows.
        Assert.Equal("cseq", Assert.Single(loaded.Upserts).Kind);
        Persist(loaded);

        var last = new Dictionary<string, long>();
        int subscriptionWrites = 0, floorWrites = 0;
        string? etag = null;
        // 150 changes: more than one block of 100 numbers per dialog.
        for (int i = 0; i < 150; i++)
        {
            var outcome = user.Publish(new PublishRequest(etag, 600, Pidf.ContentType, i % 2 == 0 ? Pidf.OnThePhone() : Pidf.Basic("open")), h.Now);
            etag = outcome.EntityTag;
            var changes = user.TakeChanges();
            Assert.Equal(40, changes.Notifies.Count);
            foreach (var n in changes.Notifies)
            {
                Assert.True(n.CSeq > last.GetValueOrDefault(n.Subscription.Id), "CSeq rises in every dialog");
                last[n.Subscription.Id] = n.CSeq;
            }
            subscriptionWrites += changes.Upserts.Count(u => u.Kind == "subscription");
            floorWrites += changes.Upserts.Count(u => u.Kind == "cseq");
            Persist(changes);
        }
        Assert.Equal(0, subscriptionWrites);
        Assert.InRange(floorWrites, 1, 2);

        // A crash: every dialog continues above every CSeq it used.
        var after = Reload();
        after.TakeChanges();
        after.Publish(new PublishRequest(null, 600, Pidf.ContentType, Pidf.OnThePhone()), h.Now);
        var notifies = after.TakeChanges().Notifies;
        Assert.Equal(40, notifies.Count);
        Assert.All(notifies, n => Assert.True(n.CSeq > last[n.Subscription.Id], $"{n.CSeq} > {last[n.Subscription.Id]}"));
    }
}
