using System.Text;
using Presence.Core.Model;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>Watcher information (RFC 3857, RFC 3858): the user sees who watches and who waits.</summary>
public sealed class WatcherInfoTests
{
    private static PresenceOutcome Subscribe(PresentityHarness h, string watcher, string callId, string package = Subscription.PresencePackage) =>
        h.User.Subscribe(new SubscribeRequest(callId, "t-" + callId, null, watcher, watcher, "sip:x@192.0.2.9", [], null, 600, true, null, package), h.Now);

    private static string Body(NotifyEffect n) => Encoding.UTF8.GetString(n.Body);

    [Fact]
    public void Only_the_user_may_watch_its_watchers_and_it_gets_the_full_list_first()
    {
        var h = new PresentityHarness();
        Subscribe(h, "sip:bob@example.com", "b");
        Subscribe(h, "sip:eve@elsewhere.example", "e");
        h.Take();
        Assert.Equal(403, Subscribe(h, "sip:bob@example.com", "w0", Subscription.WatcherInfoPackage).StatusCode);

        Assert.Equal(200, Subscribe(h, "sip:alice@example.com", "w1", Subscription.WatcherInfoPackage).StatusCode);
        var full = Assert.Single(h.Take().Notifies);
        Assert.Equal("application/watcherinfo+xml", full.ContentType);
        string xml = Body(full);
        Assert.Contains("state=\"full\"", xml, StringComparison.Ordinal);
        Assert.Contains($"version=\"{full.CSeq}\"", xml, StringComparison.Ordinal);
        Assert.Contains("status=\"active\" event=\"approved\">sip:bob@example.com</watcher>", xml, StringComparison.Ordinal);
        Assert.Contains("status=\"pending\" event=\"subscribe\">sip:eve@elsewhere.example</watcher>", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_watcher_change_is_a_partial_document_with_a_rising_version()
    {
        var h = new PresentityHarness();
        Subscribe(h, "sip:alice@example.com", "w1", Subscription.WatcherInfoPackage);
        h.Take();

        Subscribe(h, "sip:eve@elsewhere.example", "e");
        var arrived = h.Take().Notifies.Single(n => n.Subscription.IsWatcherInfo);
        Assert.Contains("state=\"partial\"", Body(arrived), StringComparison.Ordinal);
        Assert.Contains("status=\"pending\" event=\"subscribe\">sip:eve@elsewhere.example", Body(arrived), StringComparison.Ordinal);

        h.User.SetRule("sip:eve@elsewhere.example", WatcherAction.Allow, h.Now);
        var approved = h.Take().Notifies.Single(n => n.Subscription.IsWatcherInfo);
        Assert.Contains("status=\"active\" event=\"approved\">sip:eve@elsewhere.example", Body(approved), StringComparison.Ordinal);
        Assert.Equal(arrived.CSeq + 1, approved.CSeq);

        h.User.SetRule("sip:eve@elsewhere.example", WatcherAction.Block, h.Now);
        var rejected = h.Take().Notifies.Single(n => n.Subscription.IsWatcherInfo);
        Assert.Contains("status=\"terminated\" event=\"rejected\"", Body(rejected), StringComparison.Ordinal);
    }

    [Fact]
    public void Presence_changes_do_not_reach_watcher_information_subscribers()
    {
        var h = new PresentityHarness();
        Subscribe(h, "sip:alice@example.com", "w1", Subscription.WatcherInfoPackage);
        h.Take();
        h.Register();
        Assert.Empty(h.Take().Notifies);
    }

    [Fact]
    public void After_a_reload_the_next_watcher_information_is_full_again()
    {
        var h = new PresentityHarness();
        Subscribe(h, "sip:alice@example.com", "w1", Subscription.WatcherInfoPackage);
        Subscribe(h, "sip:bob@example.com", "b");
        var items = h.Take().Upserts.ToList();
        var reloaded = Core.Presentity.Presentity.Load("sip:alice@example.com", items, h.Now);
        reloaded.TakeChanges();
        reloaded.Subscribe(new SubscribeRequest("c", "t-c", null, "sip:carol@example.com", "sip:carol@example.com", "sip:c@192.0.2.7", [], null, 600, true, null), h.Now);
        var winfo = reloaded.TakeChanges().Notifies.Single(n => n.Subscription.IsWatcherInfo);
        Assert.Contains("state=\"full\"", Body(winfo), StringComparison.Ordinal);
        Assert.Contains("sip:bob@example.com", Body(winfo), StringComparison.Ordinal);
        Assert.Contains("sip:carol@example.com", Body(winfo), StringComparison.Ordinal);
    }
}
