using System.Text;
using System.Text.RegularExpressions;
using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>The dialog package (RFC 4235) as a busy-lamp field sees it: SUBSCRIBE, the full state at once, a NOTIFY per
/// change of the user's dialogs with a version that only grows, authorization as for presence.</summary>
public sealed class DialogSubscriptionTests
{
    private static PresenceOutcome SubscribeDialog(PresentityHarness h, string watcher = "sip:bob@example.com", string callId = "blf-1", int expires = 600) =>
        h.User.Subscribe(new SubscribeRequest(
            callId, "w1", null, watcher, watcher, "sip:bob@192.0.2.9:5060", [], null, expires, AcceptsDocument: true,
            Flow: "udp:192.0.2.9:5060", Package: Subscription.DialogPackage), h.Now);

    private static PresenceOutcome PublishDialog(PresentityHarness h, string state, string? etag = null, int expires = 600) =>
        h.User.Publish(new PublishRequest(etag, expires, Pidf.DialogInfo, Pidf.Dialog(state), EventPackage.Dialog), h.Now);

    private static string Body(NotifyEffect n) => Encoding.UTF8.GetString(n.Body);

    private static long Version(NotifyEffect n) => long.Parse(Regex.Match(Body(n), "version=\"(\\d+)\"").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    private static string[] States(NotifyEffect n) => Regex.Matches(Body(n), "<state>([a-z]+)</state>").Select(m => m.Groups[1].Value).ToArray();

    [Fact]
    public void A_blf_watcher_gets_the_full_state_at_once_then_each_change_with_a_rising_version()
    {
        var h = new PresentityHarness();
        h.Register();
        Assert.Equal(200, SubscribeDialog(h).StatusCode);
        var first = Assert.Single(h.Take().Notifies);
        Assert.Equal("application/dialog-info+xml", first.ContentType);
        Assert.Equal(0, Version(first));
        Assert.Empty(States(first));
        Assert.Contains("state=\"full\" entity=\"sip:alice@example.com\"", Body(first), StringComparison.Ordinal);

        var ringing = PublishDialog(h, "early");
        var notifies = h.Take().Notifies;
        var early = Assert.Single(notifies, n => n.Subscription.IsDialog);
        Assert.Equal(["early"], States(early));
        Assert.Equal(1, Version(early));
        Assert.Contains("direction=\"recipient\"", Body(early), StringComparison.Ordinal);

        PublishDialog(h, "confirmed", ringing.EntityTag);
        var confirmed = Assert.Single(h.Take().Notifies, n => n.Subscription.IsDialog);
        Assert.Equal(["confirmed"], States(confirmed));
        Assert.Equal(2, Version(confirmed));

        // A change of presence alone (a second registration) is no change of dialogs.
        h.Register("sip:alice@192.0.2.77:5060", callId: "reg-2");
        Assert.DoesNotContain(h.Take().Notifies, n => n.Subscription.IsDialog);

        // The call ends (the publication expires): the full state has no dialog any more.
        h.Advance(TimeSpan.FromSeconds(601));
        var ended = Assert.Single(h.Take().Notifies, n => n.Subscription.IsDialog);
        Assert.Empty(States(ended));
        Assert.Equal(3, Version(ended));
    }

    [Fact]
    public void Dialog_watchers_are_decided_by_the_presence_rules_and_a_politely_blocked_one_never_sees_a_call()
    {
        var h = new PresentityHarness();
        h.User.SetRule("sip:mallory@example.com", WatcherAction.Block, h.Now);
        h.User.SetRule("sip:eve@example.com", WatcherAction.PoliteBlock, h.Now);
        h.Take();
        Assert.Equal(403, SubscribeDialog(h, "sip:mallory@example.com").StatusCode);
        Assert.Equal(200, SubscribeDialog(h, "sip:eve@example.com").StatusCode);
        Assert.Empty(States(Assert.Single(h.Take().Notifies)));
        PublishDialog(h, "confirmed");
        Assert.DoesNotContain(h.Take().Notifies, n => n.Subscription.IsDialog);
    }

    [Fact]
    public void The_version_keeps_rising_across_a_restart_and_dialog_watchers_are_not_presence_watchers()
    {
        var h = new PresentityHarness();
        var stored = new StoredRows();
        Assert.Equal(200, SubscribeDialog(h).StatusCode);
        long before = Version(Assert.Single(stored.Apply(h.Take()).Notifies));

        var reloaded = stored.Load("sip:alice@example.com", h.Now);
        stored.Apply(reloaded.TakeChanges());
        reloaded.Publish(new PublishRequest(null, 600, Pidf.DialogInfo, Pidf.Dialog("early"), EventPackage.Dialog), h.Now);
        var after = Assert.Single(reloaded.TakeChanges().Notifies, n => n.Subscription.IsDialog);
        Assert.True(Version(after) > before, $"{Version(after)} > {before}");
        Assert.Equal(["early"], States(after));

        // The user's watcher information lists presence watchers only.
        var winfo = reloaded.Subscribe(new SubscribeRequest(
            "winfo-1", "w9", null, "sip:alice@example.com", "sip:alice@example.com", "sip:alice@192.0.2.1:5060", [], null, 600,
            AcceptsDocument: true, Flow: "udp:192.0.2.1:5060", Package: Subscription.WatcherInfoPackage), h.Now);
        Assert.Equal(200, winfo.StatusCode);
        Assert.DoesNotContain("sip:bob@example.com", Body(Assert.Single(reloaded.TakeChanges().Notifies)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_watcher_that_takes_no_dialog_info_gets_406()
    {
        var h = new PresentityHarness();
        var refused = h.User.Subscribe(new SubscribeRequest(
            "blf-2", "w1", null, "sip:bob@example.com", "sip:bob@example.com", "sip:bob@192.0.2.9:5060", [], null, 600,
            AcceptsDocument: false, Flow: null, Package: Subscription.DialogPackage), h.Now);
        Assert.Equal(406, refused.StatusCode);
        Assert.Equal(["application/dialog-info+xml"], refused.Accept);
    }

    [Fact]
    public void A_state_in_capitals_is_read_as_its_lower_case_token()
    {
        // Kamailio's pua_dialoginfo writes a caller's first state as "Trying".
        var h = new PresentityHarness();
        string doc = "<?xml version=\"1.0\"?><dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"0\" state=\"full\""
            + " entity=\"sip:alice@example.com\"><dialog id=\"k1\" direction=\"initiator\"><state>Trying</state></dialog></dialog-info>";
        var published = h.User.Publish(new PublishRequest(null, 600, Pidf.DialogInfo, Encoding.UTF8.GetBytes(doc), EventPackage.Dialog), h.Now);
        Assert.Equal(200, published.StatusCode);
        Assert.Equal("trying", Assert.Single(h.User.Dialogs).State);
    }
}
