using System.Diagnostics;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.Server.Tests;

/// <summary>REGISTER, PUBLISH, SUBSCRIBE/NOTIFY, INVITE and MESSAGE against the real server process.</summary>
public sealed class PresenceProtocolTests
{
    private const string Pidf = "application/pidf+xml";
    private const string DialogInfo = "application/dialog-info+xml";

    private static string Document(string inner, string basic = "open") =>
        "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:po=\"urn:presence-orleans:params:xml:ns:pidf-ext\""
        + " xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"sip:alice@example.com\">"
        + $"<tuple id=\"t\"><status><basic>{basic}</basic></status></tuple>{inner}</presence>";

    private static string Dialog(string state) =>
        "<?xml version=\"1.0\"?><dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"1\" state=\"full\" entity=\"sip:alice@example.com\">"
        + $"<dialog id=\"d\" direction=\"recipient\"><state>{state}</state></dialog></dialog-info>";

    [Fact]
    public async Task A_watcher_follows_alice_through_every_composite_value()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");

        var subscribed = await bob.SubscribeAsync(alice.Aor);
        Assert.Equal(200, subscribed.StatusCode);
        Assert.Equal("600", subscribed.GetFirst(HeaderId.Expires));
        Assert.NotNull(subscribed.GetTo()!.Tag);
        var first = await bob.NextNotifyAsync();
        Assert.Equal("unreachable", TestUserAgent.ExtendedOf(first));
        Assert.Equal("active;expires=600", first.GetFirst(HeaderId.SubscriptionState));
        Assert.Equal(subscribed.GetTo()!.Tag, first.GetFrom()!.Tag);

        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        Assert.Equal("available", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

        var call = await alice.PublishAsync(DialogInfo, Dialog("confirmed"));
        Assert.Equal(200, call.StatusCode);
        string etag = call.GetFirst(HeaderId.SipETag)!;
        Assert.Equal("busy", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

        var ringing = await alice.PublishAsync(DialogInfo, Dialog("early"), etag: etag);
        Assert.Equal("ringing", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

        var dnd = await alice.PublishAsync(Pidf, Document("<po:donotdisturb>On holiday until the end of the month</po:donotdisturb>"));
        var dndNotify = await bob.NextNotifyAsync();
        Assert.Equal("donotdisturb", TestUserAgent.ExtendedOf(dndNotify));
        Assert.Equal("On holiday until the end of the month", TestUserAgent.NoteOf(dndNotify));

        // DND while unregistered stays donotdisturb (the document changes: it no longer lists the contact).
        Assert.Equal(200, (await alice.RegisterAsync(expires: 0)).StatusCode);
        var unregistered = await bob.NextNotifyAsync();
        Assert.Equal("donotdisturb", TestUserAgent.ExtendedOf(unregistered));
        Assert.Equal("On holiday until the end of the month", TestUserAgent.NoteOf(unregistered));
        Assert.DoesNotContain("<contact", System.Text.Encoding.UTF8.GetString(unregistered.Body.Span), StringComparison.Ordinal);

        await alice.PublishAsync(Pidf, body: null, expires: 0, etag: dnd.GetFirst(HeaderId.SipETag));
        await alice.PublishAsync(DialogInfo, body: null, expires: 0, etag: ringing.GetFirst(HeaderId.SipETag));
        Assert.Equal("unreachable", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

        // An alternative number alone makes an unregistered user available.
        await alice.PublishAsync(Pidf, Document("<po:alternative-contact priority=\"0.8\">tel:+15551234567</po:alternative-contact>"));
        var alternative = await bob.NextNotifyAsync();
        Assert.Equal("available", TestUserAgent.ExtendedOf(alternative));
        Assert.Contains("tel:+15551234567", System.Text.Encoding.UTF8.GetString(alternative.Body.Span), StringComparison.Ordinal);

        // CSeq rises through the dialog.
        Assert.True(alternative.CSeq > first.CSeq);
    }

    [Fact]
    public async Task Invite_and_message_to_a_user_in_dnd_get_480_with_the_comment_or_302_to_voicemail()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");
        await alice.RegisterAsync();

        var open = await bob.InviteAsync(alice.Aor);
        Assert.Equal(302, open.StatusCode);
        Assert.Contains(alice.Contact, open.GetFirst(HeaderId.Contact), StringComparison.Ordinal);

        var dnd = await alice.PublishAsync(Pidf, Document("<po:donotdisturb>On my lunch break. Back soon</po:donotdisturb>"));
        foreach (string method in new[] { "INVITE", "MESSAGE" })
        {
            var refused = await bob.InviteAsync(alice.Aor, method);
            Assert.Equal(480, refused.StatusCode);
            Assert.Equal("On my lunch break. Back soon", Assert.Single(refused.GetWarnings()).Text);
        }

        await alice.PublishAsync(Pidf, Document("<po:donotdisturb>Away</po:donotdisturb><po:voicemail>sip:vm@example.com</po:voicemail>"),
            etag: dnd.GetFirst(HeaderId.SipETag));
        foreach (string method in new[] { "INVITE", "MESSAGE" })
        {
            var redirected = await bob.InviteAsync(alice.Aor, method);
            Assert.Equal(302, redirected.StatusCode);
            Assert.StartsWith("<sip:vm@example.com>", redirected.GetFirst(HeaderId.Contact), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Bad_input_gets_400_489_and_412_and_changes_nothing()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");
        await alice.RegisterAsync();
        await bob.SubscribeAsync(alice.Aor);
        Assert.Equal("available", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

        var malformed = await alice.PublishAsync(Pidf, "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"><tuple>");
        Assert.Equal(400, malformed.StatusCode);
        Assert.StartsWith("Bad Presence Document: ", malformed.ReasonPhrase, StringComparison.Ordinal);

        var unknownEvent = await bob.SubscribeAsync(alice.Aor, @event: "weather");
        Assert.Equal(489, unknownEvent.StatusCode);
        Assert.Equal("presence, presence.winfo, dialog", unknownEvent.GetFirst(HeaderId.AllowEvents));
        Assert.Equal(489, (await alice.PublishAsync(Pidf, Document(string.Empty), @event: "weather")).StatusCode);
        // The dialog package takes dialog-info only (RFC 4235): a PIDF document there is 415.
        Assert.Equal(415, (await alice.PublishAsync(Pidf, Document(string.Empty), @event: "dialog")).StatusCode);

        var noSuchTag = await alice.PublishAsync(Pidf, body: null, etag: "0123456789abcdef");
        Assert.Equal(412, noSuchTag.StatusCode);

        Assert.True(await bob.NoNotifyWithinAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task State_and_subscriptions_survive_sigkill_and_notifies_continue_in_the_same_dialog()
    {
        var server = await ServerProcess.StartAsync(auth: false);
        try
        {
            await using var alice = new TestUserAgent(server.Port, "alice");
            await using var bob = new TestUserAgent(server.Port, "bob");
            await alice.RegisterAsync();
            var busy = await alice.PublishAsync(DialogInfo, Dialog("confirmed"), expires: 3600);
            var subscribed = await bob.SubscribeAsync(alice.Aor, expires: 3600);
            var before = await bob.NextNotifyAsync();
            Assert.Equal("busy", TestUserAgent.ExtendedOf(before));

            server = await server.CrashAndRestartAsync();

            // The publication is back: refreshing it by its entity-tag works.
            var refreshed = await alice.PublishAsync(DialogInfo, body: null, expires: 3600, etag: busy.GetFirst(HeaderId.SipETag));
            Assert.Equal(200, refreshed.StatusCode);
            // The registration is back: the next change is "available", not "unreachable".
            await alice.PublishAsync(DialogInfo, body: null, expires: 0, etag: refreshed.GetFirst(HeaderId.SipETag));
            var after = await bob.NextNotifyAsync();
            Assert.Equal("available", TestUserAgent.ExtendedOf(after));
            Assert.Equal(before.CallId, after.CallId);
            Assert.Equal(before.GetFrom()!.Tag, after.GetFrom()!.Tag);
            Assert.True(after.CSeq > before.CSeq, $"CSeq {after.CSeq} after {before.CSeq}");
            Assert.Equal(subscribed.GetTo()!.Tag, after.GetFrom()!.Tag);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_change_acknowledged_just_before_a_sigkill_is_notified_again_after_the_restart()
    {
        var server = await ServerProcess.StartAsync(auth: false);
        try
        {
            await using var alice = new TestUserAgent(server.Port, "alice");
            await using var bob = new TestUserAgent(server.Port, "bob");
            await alice.RegisterAsync();
            await bob.SubscribeAsync(alice.Aor, expires: 3600);
            var first = await bob.NextNotifyAsync();
            Assert.Equal("available", TestUserAgent.ExtendedOf(first));

            Assert.Equal(200, (await alice.PublishAsync(DialogInfo, Dialog("confirmed"), expires: 3600)).StatusCode);
            // Killed at once, well before the reminder that would record the NOTIFY as sent: it (the next CSeq) may or
            // may not have left. Either way the restarted server sends the document again, numbered above anything
            // the dead one used.
            server = await server.CrashAndRestartAsync();
            SipMessage again;
            do
            {
                again = await bob.NextNotifyAsync(TimeSpan.FromSeconds(10));
                Assert.Equal("busy", TestUserAgent.ExtendedOf(again));
            }
            while (again.CSeq == first.CSeq + 1);
            Assert.True(again.CSeq > first.CSeq + 1, $"CSeq {again.CSeq} after {first.CSeq}");
            Assert.Equal(first.CallId, again.CallId);
            Assert.Equal(first.GetFrom()!.Tag, again.GetFrom()!.Tag);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Expiry_is_acted_on_within_a_second_and_watchers_hear_at_once()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs:
            ["--Presence:Rules:MinRegisterExpires=1", "--Presence:Rules:MinSubscribeExpires=1"]);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");
        // The clock starts before the REGISTER leaves: the binding lives 2 s from when the server has it, so its end is
        // heard no sooner than 2 s on this clock, and within a second after (the subscription's own first NOTIFY may
        // take a while on a loaded machine, so it is no reference).
        var clock = Stopwatch.StartNew();
        await alice.RegisterAsync(expires: 2);
        await bob.SubscribeAsync(alice.Aor);
        Assert.Equal("available", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));
        var expired = await bob.NextNotifyAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("unreachable", TestUserAgent.ExtendedOf(expired));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));

        // A subscription that runs out ends with terminated;reason=timeout.
        var shortLived = await bob.SubscribeAsync(alice.Aor, expires: 1);
        Assert.Equal(200, shortLived.StatusCode);
        Assert.Equal("active;expires=1", (await bob.NextNotifyAsync()).GetFirst(HeaderId.SubscriptionState));
        Assert.Equal("terminated;reason=timeout", (await bob.NextNotifyAsync(TimeSpan.FromSeconds(4))).GetFirst(HeaderId.SubscriptionState));
    }

    [Fact]
    public async Task Expiries_that_fall_while_the_server_is_down_or_after_its_restart_are_acted_on_by_the_due_sweeper()
    {
        var server = await ServerProcess.StartAsync(auth: false, extraArgs: ["--Presence:Rules:MinRegisterExpires=1"]);
        try
        {
            await using var alice = new TestUserAgent(server.Port, "alice");
            await using var carol = new TestUserAgent(server.Port, "carol");
            await using var bob = new TestUserAgent(server.Port, "bob");
            await using var dave = new TestUserAgent(server.Port, "dave");
            Assert.Equal(200, (await alice.RegisterAsync(expires: 2)).StatusCode);
            Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor, expires: 3600)).StatusCode);
            Assert.Equal("available", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

            // Alice's registration runs out while the server is down: the restarted server wakes her at once (its due
            // sweeper reads her due time from the store) and Bob hears it, without anyone asking about Alice.
            server = await server.CrashAndRestartAsync(downFor: TimeSpan.FromSeconds(3));
            var restarted = Stopwatch.StartNew();
            var expired = await bob.NextNotifyAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("unreachable", TestUserAgent.ExtendedOf(expired));
            Assert.True(restarted.Elapsed < TimeSpan.FromSeconds(2), $"heard {restarted.Elapsed.TotalMilliseconds:0} ms after the restart");

            // Carol registers for 6 s, watched by Dave, then the server restarts at once: her expiry comes after the
            // restart, while nothing has brought her into memory.
            Assert.Equal(200, (await carol.RegisterAsync(expires: 6)).StatusCode);
            var registered = Stopwatch.StartNew();
            Assert.Equal(200, (await dave.SubscribeAsync(carol.Aor, expires: 3600)).StatusCode);
            Assert.Equal("available", TestUserAgent.ExtendedOf(await dave.NextNotifyAsync()));
            server = await server.CrashAndRestartAsync();
            var up = registered.Elapsed;
            SipMessage carolExpired;
            // (A NOTIFY of the document Dave already has may come first: sent again after the crash, as it may not have left.)
            while (TestUserAgent.ExtendedOf(carolExpired = await dave.NextNotifyAsync(TimeSpan.FromSeconds(10))) == "available")
            {
            }
            Assert.Equal("unreachable", TestUserAgent.ExtendedOf(carolExpired));
            // The sweeper looks every 500 ms for users 250 ms past due (Presence:DueSweep defaults), so the end is heard
            // well under a second after it falls on an idle machine; 2 s leaves room for a loaded one (CI measured 1.25 s)
            // and still tells the sweeper from the once-a-minute reminder. If the restart took longer than her 6 s, the
            // reference is the moment the server was up again.
            var due = up > TimeSpan.FromSeconds(6) ? up : TimeSpan.FromSeconds(6);
            var late = registered.Elapsed - due;
            Assert.True(late < TimeSpan.FromSeconds(2), $"heard {late.TotalMilliseconds:0} ms after the registration ran out (server up after {up.TotalMilliseconds:0} ms)");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_watcher_answering_481_loses_its_subscription()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await using var bob = new TestUserAgent(server.Port, "bob");
        await bob.SubscribeAsync(alice.Aor);
        await bob.NextNotifyAsync();
        bob.NotifyAnswer = 481;
        await alice.RegisterAsync();
        await Task.Delay(500);
        bob.NotifyAnswer = 200;
        await alice.PublishAsync(DialogInfo, Dialog("confirmed"));
        Assert.True(await bob.NoNotifyWithinAsync(TimeSpan.FromSeconds(1)));
    }
}
