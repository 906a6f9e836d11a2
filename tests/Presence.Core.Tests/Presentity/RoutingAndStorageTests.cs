using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

public sealed class RoutingAndStorageTests
{
    [Fact]
    public void Do_not_disturb_is_480_with_the_comment_or_302_to_voicemail()
    {
        var h = new PresentityHarness();
        h.Register();
        h.User.SetSettings(new UserSettings(true, "In a meeting", [], null), h.Now);
        var busy = h.User.Route(h.Now);
        Assert.Equal(480, busy.StatusCode);
        Assert.Equal("In a meeting", busy.Comment);

        h.User.SetSettings(new UserSettings(true, "In a meeting", [], "sip:vm@example.com"), h.Now);
        var vm = h.User.Route(h.Now);
        Assert.Equal(302, vm.StatusCode);
        Assert.Equal("sip:vm@example.com", Assert.Single(vm.Redirect!).Uri);
    }

    [Fact]
    public void Unreachable_is_480_or_voicemail_and_open_is_302_with_contacts_by_q()
    {
        var h = new PresentityHarness();
        Assert.Equal(480, h.User.Route(h.Now).StatusCode);
        h.User.SetSettings(new UserSettings(false, null, [], "sip:vm@example.com"), h.Now);
        Assert.Equal("sip:vm@example.com", Assert.Single(h.User.Route(h.Now).Redirect!).Uri);
        h.Register("sip:a@192.0.2.1", q: 0.3);
        h.Register("sip:a@192.0.2.2", q: 0.9);
        var open = h.User.Route(h.Now);
        Assert.Equal(302, open.StatusCode);
        Assert.Equal([0.9, 0.3], open.Redirect!.Select(c => c.Priority));
    }

    [Fact]
    public void State_survives_a_reload_from_its_stored_items()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Publish(Pidf.Dialog("confirmed"), contentType: Pidf.DialogInfo);
        h.User.SetSettings(new UserSettings(false, null, [new AlternativeContact("tel:+15551112222", 0.5)], "sip:vm@example.com"), h.Now);
        h.Subscribe();
        var items = h.Take().Upserts.ToList();
        var reloaded = Core.Presentity.Presentity.Load("sip:alice@example.com", items, h.Now);
        Assert.Equal(ExtendedStatus.Busy, reloaded.Composite(h.Now).Status);
        Assert.Single(reloaded.Bindings);
        Assert.Single(reloaded.Publications);
        Assert.Single(reloaded.Subscriptions);
        Assert.Equal("sip:vm@example.com", reloaded.Settings.VoicemailUri);
        // Watchers already have this document: no NOTIFY on reload.
        Assert.Empty(reloaded.TakeChanges().Notifies);
    }

    [Fact]
    public void A_watched_user_that_never_changed_reloads_without_telling_its_watchers_again()
    {
        // A user nobody published or registered for, with watchers: each had the (offline) document with its
        // subscription. Reloading it (idle deactivation, restart) must not send them that document a second time.
        var h = new PresentityHarness();
        h.Subscribe();
        h.Subscribe(callId: "second-watcher");
        var changes = h.Take();
        Assert.Equal(2, changes.Notifies.Count);
        var items = changes.Upserts.ToList();
        Assert.Contains(items, i => i.Kind == "composite");
        var reloaded = Core.Presentity.Presentity.Load("sip:alice@example.com", items, h.Now);
        Assert.Empty(reloaded.TakeChanges().Notifies);
    }

    [Fact]
    public void What_expired_while_not_loaded_is_removed_and_watchers_hear_of_it()
    {
        var h = new PresentityHarness();
        h.Register(expires: 60);
        h.Subscribe(expires: 3600);
        var items = h.Take().Upserts.ToList();
        var later = h.Now.AddMinutes(5);
        var reloaded = Core.Presentity.Presentity.Load("sip:alice@example.com", items, later);
        var changes = reloaded.TakeChanges();
        Assert.Equal("unreachable", PresentityHarness.ExtendedOf(Assert.Single(changes.Notifies)));
        Assert.Contains(changes.Deletes, d => d.Kind == "binding");
    }

    [Fact]
    public void Unknown_user_loads_without_writing_anything()
    {
        var user = Core.Presentity.Presentity.Load("sip:nobody@example.com", [], DateTimeOffset.UnixEpoch);
        Assert.False(user.TakeChanges().HasWrites);
        Assert.Equal(480, user.Route(DateTimeOffset.UnixEpoch).StatusCode);
    }

    [Fact]
    public void History_records_each_status_change_with_its_cause()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Publish(Pidf.OnThePhone());
        h.User.SetSettings(new UserSettings(true, "Lunch", [], null), h.Now);
        var history = h.Take().History;
        Assert.Equal([ExtendedStatus.Available, ExtendedStatus.Busy, ExtendedStatus.DoNotDisturb], history.Select(e => e.Status));
        Assert.Equal(["register", "publish", "settings"], history.Select(e => e.Cause));
        Assert.Equal("Lunch", history[2].Note);
    }
}

public sealed class EndSourcesTests
{
    [Fact]
    public void Ending_the_sources_of_a_disabled_user_makes_it_unreachable_for_its_watchers()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Publish(Pidf.OnThePhone());
        h.Subscribe();
        h.Take();
        h.User.EndSources(h.Now);
        var changes = h.Take();
        Assert.Equal("unreachable", PresentityHarness.ExtendedOf(Assert.Single(changes.Notifies)));
        Assert.Empty(h.User.Bindings);
        Assert.Empty(h.User.Publications);
        Assert.Single(h.User.Subscriptions);
        Assert.Equal("disabled", Assert.Single(changes.History).Cause);
    }
}
