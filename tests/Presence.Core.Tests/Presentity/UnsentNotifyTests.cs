using Presence.Core.Persistence;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>
/// A change's NOTIFYs leave after its write is durable; the write says they may not have left yet, so that a crash
/// in between costs the watchers a duplicate on the next load rather than the change.
/// </summary>
public sealed class UnsentNotifyTests
{
    private static readonly (string Kind, string Key) Marker = (PresentityItems.UnsentKind, string.Empty);

    // Two watchers in alice's domain (allowed) and one from elsewhere (pending until alice decides).
    private static (PresentityHarness H, StoredRows Store) Watched()
    {
        var h = new PresentityHarness();
        var store = new StoredRows();
        h.Register(expires: 600);
        h.Subscribe(callId: "sub-1", watcherTag: "w1", expires: 3600);
        h.Subscribe(callId: "sub-2", watcherTag: "w2", expires: 3600);
        h.User.Subscribe(new SubscribeRequest(
            "sub-3", "w3", null, "sip:eve@elsewhere.example", "sip:eve@elsewhere.example", "sip:eve@192.0.2.7", [], null, 3600, true, null), h.Now);
        store.Apply(h.Take());
        return (h, store);
    }

    [Fact]
    public void A_change_watchers_hear_of_is_written_with_the_marker_and_the_reminder_comes_soon()
    {
        var (h, store) = Watched();
        Assert.False(store.Has(Marker.Kind, Marker.Key));
        Assert.Equal(h.Now.AddSeconds(600), h.User.NextDueAt);

        h.Publish(Pidf.OnThePhone());
        var changes = store.Apply(h.Take());
        Assert.Equal(2, changes.Notifies.Count);
        Assert.Contains(changes.Upserts, u => (u.Kind, u.Key) == Marker);
        Assert.True(h.User.HasUnsentNotifies);
        Assert.Equal(h.Now + Core.Presentity.Presentity.UnsentCheckDelay, h.User.NextDueAt);
    }

    [Fact]
    public void The_marker_goes_once_the_notifies_are_sent_and_the_next_change_brings_it_back()
    {
        var (h, store) = Watched();
        h.Publish(Pidf.OnThePhone());
        store.Apply(h.Take());

        h.User.NotifiesSent();
        var cleared = store.Apply(h.Take());
        Assert.Equal([Marker], cleared.Deletes);
        Assert.Empty(cleared.Upserts);
        Assert.False(store.Has(Marker.Kind, Marker.Key));
        Assert.Equal(h.Now.AddSeconds(600), h.User.NextDueAt);
        // Nothing is pending now: saying so again writes nothing.
        h.User.NotifiesSent();
        Assert.False(h.Take().HasWrites);

        h.Publish(Pidf.Basic("closed"));
        store.Apply(h.Take());
        Assert.True(store.Has(Marker.Kind, Marker.Key));
    }

    [Fact]
    public void A_change_nobody_watches_writes_no_marker()
    {
        var h = new PresentityHarness();
        h.Register(expires: 600);
        h.Publish(Pidf.OnThePhone());
        var changes = h.Take();
        Assert.Empty(changes.Notifies);
        Assert.DoesNotContain(changes.Upserts, u => u.Kind == PresentityItems.UnsentKind);
        Assert.False(h.User.HasUnsentNotifies);
        Assert.Equal(h.Now.AddSeconds(600), h.User.NextDueAt);
    }

    [Fact]
    public void Load_with_the_marker_sends_the_current_document_again_to_every_active_watcher()
    {
        var (h, store) = Watched();
        h.Publish(Pidf.OnThePhone());
        var lost = store.Apply(h.Take()).Notifies;

        // The process died after the write, before the NOTIFYs left.
        h.Now = h.Now.AddSeconds(30);
        var reloaded = Core.Presentity.Presentity.Load("sip:alice@example.com", store.Items, h.Now);
        var changes = store.Apply(reloaded.TakeChanges());
        Assert.Equal(["sub-1", "sub-2"], changes.Notifies.Select(n => n.Subscription.CallId).Order());
        foreach (var notify in changes.Notifies)
        {
            var before = lost.Single(n => n.Subscription.Id == notify.Subscription.Id);
            Assert.Equal(before.Body, notify.Body);
            Assert.Equal("busy", PresentityHarness.ExtendedOf(notify));
            Assert.Equal($"active;expires={3600 - 30}", notify.SubscriptionState);
            Assert.True(notify.CSeq > before.CSeq, $"CSeq {notify.CSeq} after {before.CSeq}");
        }
        // The document is the one stored: no new composite, no history. These NOTIFYs may be lost too: the marker stays.
        Assert.DoesNotContain(changes.Upserts, u => u.Kind == PresentityItems.CompositeKind);
        Assert.Empty(changes.History);
        Assert.True(store.Has(Marker.Kind, Marker.Key));
        Assert.True(reloaded.HasUnsentNotifies);
        Assert.Equal(h.Now + Core.Presentity.Presentity.UnsentCheckDelay, reloaded.NextDueAt);
    }

    [Fact]
    public void Load_without_the_marker_sends_nothing()
    {
        var (h, store) = Watched();
        h.Publish(Pidf.OnThePhone());
        store.Apply(h.Take());
        h.User.NotifiesSent();
        store.Apply(h.Take());

        var reloaded = Core.Presentity.Presentity.Load("sip:alice@example.com", store.Items, h.Now.AddSeconds(30));
        var changes = reloaded.TakeChanges();
        Assert.Empty(changes.Notifies);
        Assert.False(reloaded.HasUnsentNotifies);
        Assert.DoesNotContain(changes.Upserts, u => u.Kind == PresentityItems.UnsentKind);
    }

    [Fact]
    public void Load_with_the_marker_and_no_watcher_left_clears_it()
    {
        var h = new PresentityHarness();
        var store = new StoredRows();
        h.Register(expires: 3600);
        h.Subscribe(expires: 60);
        h.Publish(Pidf.OnThePhone());
        store.Apply(h.Take());
        Assert.True(store.Has(Marker.Kind, Marker.Key));

        // Down longer than the subscription lasted: it ends (with its own final NOTIFY), and nobody is left to hear the document.
        var reloaded = Core.Presentity.Presentity.Load("sip:alice@example.com", store.Items, h.Now.AddMinutes(5));
        var changes = store.Apply(reloaded.TakeChanges());
        Assert.True(Assert.Single(changes.Notifies).Terminal);
        Assert.Contains(Marker, changes.Deletes);
        Assert.False(store.Has(Marker.Kind, Marker.Key));
        Assert.False(reloaded.HasUnsentNotifies);
    }

    [Fact]
    public void A_reminder_while_the_notifies_are_still_on_their_way_neither_sends_them_again_nor_clears_the_marker()
    {
        var (h, store) = Watched();
        h.Publish(Pidf.OnThePhone());
        store.Apply(h.Take());

        h.Now += Core.Presentity.Presentity.UnsentCheckDelay;
        h.User.OnDue(h.Now);
        var changes = h.Take();
        Assert.Empty(changes.Notifies);
        Assert.False(changes.HasWrites);
        Assert.True(h.User.HasUnsentNotifies);
        // It looks again later instead of at once, forever.
        Assert.Equal(h.Now + Core.Presentity.Presentity.UnsentCheckDelay, h.User.NextDueAt);

        // Once they have left (the host says so first), the reminder's turn writes the marker away.
        h.Now += Core.Presentity.Presentity.UnsentCheckDelay;
        h.User.NotifiesSent();
        h.User.OnDue(h.Now);
        changes = store.Apply(h.Take());
        Assert.Empty(changes.Notifies);
        Assert.Equal([Marker], changes.Deletes);
        Assert.Equal(h.Now.AddSeconds(600 - 4), h.User.NextDueAt);
    }
}
