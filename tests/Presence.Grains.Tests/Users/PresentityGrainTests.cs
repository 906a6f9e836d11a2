using System.Diagnostics;
using Presence.Core.Documents;
using Presence.Core.Persistence;
using Presence.Grains.Commands;
using Presence.Grains.Storage;

namespace Presence.Grains.Tests.Users;

/// <summary>
/// The user's grain on Orleans: commands in, answers out after the write is durable, NOTIFYs handed to the watcher's
/// edge in turn order, state that outlives the silo, and expiries on time whether or not the user is in memory.
/// </summary>
public sealed class PresentityGrainTests : IAsyncLifetime
{
    private const string Alice = "sip:alice@example.com";
    private GrainCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await GrainCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_subscribe_is_answered_once_stored_and_its_notify_goes_to_the_watchers_edge()
    {
        var answer = await _cluster.User(Alice).Execute(Requests.Subscribe("sip:bob@example.com", "call-1", edge: "edge-b"));

        Assert.Equal(200, answer.StatusCode);
        Assert.NotNull(answer.NotifierTag);
        Assert.Equal(600, answer.Expires);
        // Answered only after the write: the subscription is in the store by now.
        var stored = await _cluster.Store.ReadAsync("presentity", Alice, CancellationToken.None);
        Assert.Contains(stored!.Items, i => i.Kind == PresentityItems.SubscriptionKind && i.Key == answer.NotifierTag);
        var notify = Assert.Single(_cluster.Delivery.To("call-1"));
        Assert.Equal("edge-b", notify.Edge);
        Assert.Equal(1, notify.CSeq);
        Assert.StartsWith("active;expires=", notify.SubscriptionState, StringComparison.Ordinal);
        Assert.Equal("unreachable", Requests.ExtendedOf(notify));
    }

    [Fact]
    public async Task A_publish_notifies_every_watcher_in_its_own_dialog_with_rising_cseq_and_is_recorded()
    {
        var alice = _cluster.User(Alice);
        await alice.Execute(Requests.Subscribe("sip:bob@example.com", "call-bob"));
        await alice.Execute(Requests.Subscribe("sip:carol@example.com", "call-carol", watcherTag: "w2"));
        Assert.Equal(200, (await alice.Execute(Requests.Register("sip:alice@192.0.2.1:5060", 600))).StatusCode);
        var published = await alice.Execute(Requests.Publish("closed", note: "In a meeting"));
        Assert.Equal(200, published.StatusCode);
        Assert.NotNull(published.EntityTag);

        foreach (string call in new[] { "call-bob", "call-carol" })
        {
            var notifies = _cluster.Delivery.To(call);
            Assert.Equal(["unreachable", "available", "donotdisturb"], notifies.Select(Requests.ExtendedOf));
            Assert.Equal(notifies.Select(n => n.CSeq).Order(), notifies.Select(n => n.CSeq));
            Assert.Equal(notifies.Count, notifies.Select(n => n.CSeq).Distinct().Count());
        }
        var history = await _cluster.Store.ReadHistoryAsync("presentity", Alice, null, 10, CancellationToken.None);
        // Newest first; the first document (unreachable, sent to the first watcher) was no change of status.
        Assert.Equal([ExtendedStatus.DoNotDisturb, ExtendedStatus.Available],
            history.Select(h => PresentityItems.ReadHistory(h.Payload)!.Status));
        Assert.Contains(_cluster.Changes, c => c.Aor == Alice && c.Entry.Status == ExtendedStatus.DoNotDisturb && c.Entry.Note == "In a meeting");
        var snapshot = await alice.Read();
        Assert.Equal(ExtendedStatus.DoNotDisturb, snapshot.Status);
        Assert.Equal(2, snapshot.Watchers.Length);
        Assert.Equal("sip:alice@192.0.2.1:5060", Assert.Single(snapshot.Registrations).ContactUri);
    }

    [Fact]
    public async Task The_state_outlives_the_cluster_and_a_watchers_dialog_continues_above_every_cseq_it_saw()
    {
        var subscribed = await _cluster.User(Alice).Execute(Requests.Subscribe("sip:bob@example.com", "call-1"));
        await _cluster.User(Alice).Execute(Requests.Register("sip:alice@192.0.2.1:5060", 600));
        long lastCSeq = _cluster.Delivery.To("call-1")[^1].CSeq;

        string path = await _cluster.StopKeepingDatabaseAsync();
        await using var restarted = await GrainCluster.StartAsync(databasePath: path);
        var snapshot = await restarted.User(Alice).Read();
        Assert.Equal(ExtendedStatus.Available, snapshot.Status);
        Assert.Equal("sip:bob@example.com", Assert.Single(snapshot.Watchers).WatcherAor);

        await restarted.User(Alice).Execute(new SetDoNotDisturbCommand(true, "On holiday"));
        var after = restarted.Delivery.To("call-1")[^1];
        Assert.Equal(subscribed.NotifierTag, after.NotifierTag);
        Assert.True(after.CSeq > lastCSeq, $"CSeq {after.CSeq} after a restart must exceed {lastCSeq}");
        Assert.Equal("donotdisturb", Requests.ExtendedOf(after));
    }

    [Fact]
    public async Task A_registration_expiring_while_the_user_is_in_memory_is_notified_on_time_by_the_grain_timer()
    {
        var alice = _cluster.User(Alice);
        await alice.Execute(Requests.Subscribe("sip:bob@example.com", "call-1"));
        var registered = DateTimeOffset.UtcNow;
        await alice.Execute(Requests.Register("sip:alice@192.0.2.1:5060", 2));

        var expired = await _cluster.Delivery.WaitForAsync(n => n.CallId == "call-1" && Requests.ExtendedOf(n) == "unreachable" && n.CSeq > 2, TimeSpan.FromSeconds(10));
        var late = DateTimeOffset.UtcNow - registered - TimeSpan.FromSeconds(2);
        Assert.True(late < TimeSpan.FromSeconds(1), $"the expiry was notified {late.TotalMilliseconds:0} ms late");
        Assert.Empty((await alice.Read()).Registrations);
        Assert.NotNull(expired);
    }

    [Fact]
    public async Task A_registration_expiring_while_the_user_is_not_in_memory_is_found_by_the_sweeper_and_notified_on_time()
    {
        var alice = _cluster.User(Alice);
        await alice.Execute(Requests.Subscribe("sip:bob@example.com", "call-1"));
        var registered = DateTimeOffset.UtcNow;
        await alice.Execute(Requests.Register("sip:alice@192.0.2.1:5060", 3));
        await _cluster.DeactivateAsync(Alice);
        Assert.False(_cluster.Cluster.TryGetGrainContext(alice.GetGrainId(), out _), "the user must have left memory");

        await _cluster.Delivery.WaitForAsync(n => n.CallId == "call-1" && Requests.ExtendedOf(n) == "unreachable" && n.CSeq > 2, TimeSpan.FromSeconds(10));
        var late = DateTimeOffset.UtcNow - registered - TimeSpan.FromSeconds(3);
        Assert.True(late < TimeSpan.FromSeconds(1), $"the expiry was notified {late.TotalMilliseconds:0} ms late");
        var stored = await _cluster.Store.ReadAsync("presentity", Alice, CancellationToken.None);
        Assert.DoesNotContain(stored!.Items, i => i.Kind == PresentityItems.BindingKind);
    }

    [Fact]
    public async Task A_write_that_another_writer_beat_is_refused_and_the_user_is_read_again()
    {
        var alice = _cluster.User(Alice);
        await alice.Execute(Requests.Register("sip:alice@192.0.2.1:5060", 600));
        var stored = await _cluster.Store.ReadAsync("presentity", Alice, CancellationToken.None);
        // Someone else (a second activation on another silo, in a race) writes the user behind this grain's back.
        var settings = PresentityItems.Serialize(new Core.Model.UserSettings(true, "Written elsewhere", [], null));
        var foreign = new GrainWrite("presentity", Alice, stored!.Version, [new StoredItem(PresentityItems.SettingsKind, "", settings)], [], stored.NextDueAt, []);
        Assert.Equal(WriteStatus.Committed, (await _cluster.Store.WriteAsync([foreign], CancellationToken.None))[0].Status);

        var refused = await alice.Execute(new SetVoicemailCommand("sip:vm@example.com"));
        Assert.Equal(500, refused.StatusCode);

        Assert.Equal(200, (await alice.Execute(new SetVoicemailCommand("sip:vm@example.com"))).StatusCode);
        var snapshot = await alice.Read();
        Assert.True(snapshot.DoNotDisturb);
        Assert.Equal("Written elsewhere", snapshot.DndComment);
        Assert.Equal("sip:vm@example.com", snapshot.VoicemailUri);
    }

    [Fact]
    public async Task A_watcher_that_answers_481_loses_its_subscription()
    {
        var alice = _cluster.User(Alice);
        var answer = await alice.Execute(Requests.Subscribe("sip:bob@example.com", "call-1"));
        await alice.NotifyFailed(answer.NotifierTag!, 481);

        var deadline = Stopwatch.StartNew();
        while ((await alice.Read()).Watchers.Length > 0 && deadline.Elapsed < TimeSpan.FromSeconds(5))
            await Task.Delay(20);
        Assert.Empty((await alice.Read()).Watchers);
        var stored = await _cluster.Store.ReadAsync("presentity", Alice, CancellationToken.None);
        Assert.DoesNotContain(stored!.Items, i => i.Kind == PresentityItems.SubscriptionKind);
    }

    [Fact]
    public async Task A_change_whose_notifies_no_node_took_is_sent_again_by_the_next_activation_and_only_by_that_one()
    {
        var alice = _cluster.User(Alice);
        await alice.Execute(Requests.Subscribe("sip:bob@example.com", "call-1"));
        long before = _cluster.Delivery.To("call-1")[^1].CSeq;
        _cluster.Delivery.Failing = true;
        // Acknowledged: the change is stored (with its unsent mark) even though its NOTIFY went nowhere.
        Assert.Equal(200, (await alice.Execute(new SetDoNotDisturbCommand(true, "Gone fishing"))).StatusCode);
        Assert.True(await HasUnsentMarkAsync(), "the change's write says its NOTIFYs may not have left");
        _cluster.Delivery.Failing = false;

        // The grain left memory; the sweeper brings it back at the mark's due time and the activation sends again.
        var again = await _cluster.Delivery.WaitForAsync(n => n.CallId == "call-1" && n.CSeq > before, TimeSpan.FromSeconds(10));
        Assert.Equal("donotdisturb", Requests.ExtendedOf(again));
        Assert.StartsWith("active;expires=", again.SubscriptionState, StringComparison.Ordinal);
        var deadline = Stopwatch.StartNew();
        while (await HasUnsentMarkAsync())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "the mark was never cleared");
            await Task.Delay(50);
        }
        Assert.Single(_cluster.Delivery.To("call-1"), n => n.CSeq > before);

        // Once cleared, a later activation has nothing to send again.
        _cluster.Delivery.Clear();
        await _cluster.DeactivateAsync(Alice);
        Assert.Equal(ExtendedStatus.DoNotDisturb, (await alice.Read()).Status);
        Assert.Empty(_cluster.Delivery.To("call-1"));
    }

    private async Task<bool> HasUnsentMarkAsync()
    {
        var stored = await _cluster.Store.ReadAsync("presentity", Alice, CancellationToken.None);
        return stored!.Items.Any(i => i.Kind == PresentityItems.UnsentKind);
    }

    [Fact]
    public async Task Routing_answers_with_the_composite()
    {
        var alice = _cluster.User(Alice);
        Assert.Equal(480, (await alice.Execute(RouteCommand.Instance)).StatusCode);
        await alice.Execute(Requests.Register("sip:alice@192.0.2.1:5060", 600));
        var routed = await alice.Execute(RouteCommand.Instance);
        Assert.Equal(302, routed.StatusCode);
        Assert.Equal("sip:alice@192.0.2.1:5060", Assert.Single(routed.Redirect!).Uri);
        await alice.Execute(new SetDoNotDisturbCommand(true, "Lunch"));
        var refused = await alice.Execute(RouteCommand.Instance);
        Assert.Equal(480, refused.StatusCode);
        Assert.Equal("Lunch", refused.Comment);
    }
}
