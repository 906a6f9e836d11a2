using Presence.Sip.Transactions;
using Presence.Sip.Transport;

namespace Presence.Sip.Tests.Transactions;

public sealed class ClientTransactionTests
{
    private static readonly SipDestination Udp = new(SipTransportKind.Udp, TransactionHarness.Client);

    [Fact]
    public async Task Unanswered_request_is_retransmitted_by_timer_E_and_times_out_with_timer_F()
    {
        var h = new TransactionHarness();
        var t = h.Layer.SendRequest(Udp, TransactionHarness.Notify("z9hG4bKc1"), "z9hG4bKc1");
        Assert.Single(h.Sent);

        // E: T1, doubling to T2: 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5 s.
        h.Time.Advance(TimeSpan.FromSeconds(31.9));
        Assert.Equal(11, h.Sent.Count);
        Assert.All(h.Sent, s => Assert.Equal(h.Sent[0].Bytes, s.Bytes));
        Assert.False(t.Completion.IsCompleted);

        h.Time.Advance(TimeSpan.FromSeconds(0.2));
        var result = await t.Completion;
        Assert.Equal(ClientTransactionOutcome.Timeout, result.Outcome);
        Assert.Equal(408, result.StatusCode);
        Assert.Equal(0, h.Layer.ClientTransactionCount);
        Assert.Equal(10, h.Layer.Counters.RequestRetransmissionsSent);
    }

    [Fact]
    public async Task Final_response_completes_and_its_retransmissions_are_absorbed_for_T4()
    {
        var h = new TransactionHarness();
        var t = h.Layer.SendRequest(Udp, TransactionHarness.Notify("z9hG4bKc2"), "z9hG4bKc2");
        h.Receive(TransactionHarness.Response(481, "z9hG4bKc2"));
        var result = await t.Completion;
        Assert.Equal(ClientTransactionOutcome.Response, result.Outcome);
        Assert.Equal(481, result.StatusCode);

        h.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.Single(h.Sent); // no retransmission after the final response
        h.Receive(TransactionHarness.Response(481, "z9hG4bKc2"));
        Assert.Empty(h.Strays);

        h.Time.Advance(TimeSpan.FromSeconds(2.1)); // timer K = T4
        Assert.Equal(0, h.Layer.ClientTransactionCount);
        h.Receive(TransactionHarness.Response(481, "z9hG4bKc2"));
        Assert.Single(h.Strays);
    }

    [Fact]
    public async Task Provisional_response_moves_retransmissions_to_every_T2()
    {
        var h = new TransactionHarness();
        var t = h.Layer.SendRequest(Udp, TransactionHarness.Notify("z9hG4bKc3"), "z9hG4bKc3");
        h.Receive(TransactionHarness.Response(100, "z9hG4bKc3"));
        h.Time.Advance(TimeSpan.FromSeconds(0.5)); // E fires at T1 and is re-armed at T2
        Assert.Equal(2, h.Sent.Count);
        h.Time.Advance(TimeSpan.FromSeconds(3.9));
        Assert.Equal(2, h.Sent.Count);
        h.Time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(3, h.Sent.Count);
        h.Receive(TransactionHarness.Response(200, "z9hG4bKc3"));
        Assert.Equal(200, (await t.Completion).StatusCode);
    }

    [Fact]
    public async Task Reliable_transport_does_not_retransmit_but_still_times_out()
    {
        var h = new TransactionHarness();
        var t = h.Layer.SendRequest(new SipDestination(SipTransportKind.Tcp, TransactionHarness.Client, 9), TransactionHarness.Notify("z9hG4bKc4"), "z9hG4bKc4");
        h.Time.Advance(TimeSpan.FromSeconds(31.9));
        Assert.Single(h.Sent);
        h.Time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(ClientTransactionOutcome.Timeout, (await t.Completion).Outcome);
    }

    [Fact]
    public async Task Transport_failure_is_reported_as_503()
    {
        var h = new TransactionHarness(failSends: true);
        var t = h.Layer.SendRequest(Udp, TransactionHarness.Notify("z9hG4bKc5"), "z9hG4bKc5");
        var result = await t.Completion;
        Assert.Equal(ClientTransactionOutcome.TransportError, result.Outcome);
        Assert.Equal(503, result.StatusCode);
        Assert.Equal(0, h.Layer.ClientTransactionCount);
    }

    [Fact]
    public void Response_for_another_method_on_the_same_branch_does_not_match()
    {
        var h = new TransactionHarness();
        var t = h.Layer.SendRequest(Udp, TransactionHarness.Notify("z9hG4bKc6"), "z9hG4bKc6");
        h.Receive(TransactionHarness.Response(200, "z9hG4bKc6", method: "SUBSCRIBE"));
        Assert.False(t.Completion.IsCompleted);
        Assert.Single(h.Strays);
    }

    [Fact]
    public void Invite_cannot_use_a_non_invite_client_transaction()
    {
        var h = new TransactionHarness();
        var invite = Sip.Message.SipMessageBuilder.Request("INVITE", "sip:bob@example.com");
        Assert.Throws<ArgumentException>(() => h.Layer.SendRequest(Udp, invite, "z9hG4bKc7"));
    }

    [Fact]
    public void New_branches_carry_the_magic_cookie_and_differ()
    {
        string a = SipTransactionLayer.NewBranch(), b = SipTransactionLayer.NewBranch();
        Assert.StartsWith("z9hG4bK", a, StringComparison.Ordinal);
        Assert.NotEqual(a, b);
        Assert.True(a.Length >= 7 + 16);
    }
}
