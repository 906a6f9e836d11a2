using Presence.Core.Documents;
using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>REGISTER as RFC 3261 §10.3 says.</summary>
public sealed class RegistrarTests
{
    [Fact]
    public void Add_refresh_and_remove_a_binding()
    {
        var h = new PresentityHarness();
        var added = h.Register(expires: 600);
        Assert.Equal(200, added.StatusCode);
        Assert.Equal(600, Assert.Single(added.Bindings!).SecondsLeft(h.Now));

        h.Now += TimeSpan.FromSeconds(100);
        var refreshed = h.Register(expires: 900);
        Assert.Equal(900, Assert.Single(refreshed.Bindings!).SecondsLeft(h.Now));

        var removed = h.Unregister();
        Assert.Empty(removed.Bindings!);
        Assert.Equal(ExtendedStatus.Unreachable, h.Status);
    }

    [Fact]
    public void Query_returns_the_bindings_and_writes_nothing()
    {
        var h = new PresentityHarness();
        h.Register();
        h.Take();
        var query = h.User.Register(new RegisterRequest([], false, null, "q-1", 1, null), h.Now);
        Assert.Single(query.Bindings!);
        Assert.False(h.Take().HasWrites);
    }

    [Fact]
    public void Too_short_an_expiry_is_423_with_min_expires_and_too_long_is_shortened()
    {
        var h = new PresentityHarness();
        var tooShort = h.Register(expires: 10);
        Assert.Equal(423, tooShort.StatusCode);
        Assert.Equal(60, tooShort.MinExpires);
        var tooLong = h.Register(expires: 1_000_000);
        Assert.Equal(7200, Assert.Single(tooLong.Bindings!).SecondsLeft(h.Now));
    }

    [Fact]
    public void Wildcard_removes_everything_only_with_expires_zero()
    {
        var h = new PresentityHarness();
        h.Register("sip:alice@192.0.2.1");
        h.Register("sip:alice@192.0.2.2");
        var bad = h.User.Register(new RegisterRequest([], true, 60, "reg-1", h.CSeq++, null), h.Now);
        Assert.Equal(400, bad.StatusCode);
        var ok = h.User.Register(new RegisterRequest([], true, 0, "reg-2", h.CSeq++, null), h.Now);
        Assert.Equal(200, ok.StatusCode);
        Assert.Empty(h.User.Bindings);
    }

    [Fact]
    public void Out_of_order_cseq_in_the_same_call_id_is_refused()
    {
        var h = new PresentityHarness { CSeq = 10 };
        h.Register();
        h.CSeq = 5;
        Assert.Equal(400, h.Register().StatusCode);
        // A different Call-ID (the client restarted) replaces the binding whatever its CSeq.
        Assert.Equal(200, h.Register(callId: "reg-restarted").StatusCode);
    }

    [Fact]
    public void Per_contact_expires_overrides_the_header_and_q_orders_contacts()
    {
        var h = new PresentityHarness();
        var outcome = h.User.Register(new RegisterRequest(
            [new ContactRequest("sip:a@192.0.2.1", 120, 0.5, null), new ContactRequest("sip:a@192.0.2.2", null, 0.9, null)],
            false, 300, "reg-1", 1, null), h.Now);
        Assert.Equal(["sip:a@192.0.2.2", "sip:a@192.0.2.1"], outcome.Bindings!.Select(b => b.ContactUri));
        Assert.Equal(300, outcome.Bindings![0].SecondsLeft(h.Now));
        Assert.Equal(120, outcome.Bindings![1].SecondsLeft(h.Now));
    }

    [Fact]
    public void Binding_cap_refuses_the_excess()
    {
        var h = new PresentityHarness { User = new Core.Presentity.Presentity("sip:alice@example.com", new PresenceOptions { MaxBindings = 2 }) };
        h.Register("sip:a@192.0.2.1");
        h.Register("sip:a@192.0.2.2");
        Assert.Equal(403, h.Register("sip:a@192.0.2.3").StatusCode);
        Assert.Equal(2, h.User.Bindings.Count);
    }

    [Fact]
    public void Expiry_makes_the_user_unreachable_and_notifies_watchers_at_once()
    {
        var h = new PresentityHarness();
        h.Register(expires: 120);
        h.Subscribe();
        h.Take();
        Assert.Equal(h.Now.AddSeconds(120), h.User.NextDueAt);
        h.Advance(TimeSpan.FromSeconds(120));
        var changes = h.Take();
        Assert.Equal("unreachable", PresentityHarness.ExtendedOf(Assert.Single(changes.Notifies)));
        Assert.Contains(changes.Deletes, d => d.Kind == "binding");
        Assert.Equal(ExtendedStatus.Unreachable, Assert.Single(changes.History).Status);
    }
}
