using Presence.Sip.Message;

namespace Presence.Sip.Tests.Transactions;

/// <summary>The hook a stateless proxy uses: it sees every request before transaction matching.</summary>
public sealed class InterceptRequestTests
{
    [Fact]
    public void A_taken_request_makes_no_transaction_and_its_retransmission_is_seen_again()
    {
        var seen = new List<string>();
        var h = new TransactionHarness(intercept: (_, request) =>
        {
            seen.Add(request.Method);
            return ValueTask.FromResult(true);
        });
        h.Receive(TransactionHarness.Request("SUBSCRIBE"));
        h.Receive(TransactionHarness.Request("SUBSCRIBE"));
        h.Receive(TransactionHarness.Request("INVITE", branch: "z9hG4bKinv"));
        h.Receive(TransactionHarness.Request("CANCEL", branch: "z9hG4bKinv"));
        h.Receive(TransactionHarness.Request("ACK", branch: "z9hG4bKinv", cseqMethod: "ACK"));

        // A stateless proxy forwards retransmissions as it forwarded the original (RFC 3261 §16.11).
        Assert.Equal(["SUBSCRIBE", "SUBSCRIBE", "INVITE", "CANCEL", "ACK"], seen);
        Assert.Empty(h.Requests);
        Assert.Empty(h.Strays);
        Assert.Equal(0, h.Layer.ServerTransactionCount);
        Assert.Equal(0, h.Layer.Counters.RetransmissionsAbsorbed);
    }

    [Fact]
    public void A_request_left_alone_goes_on_to_its_transaction_as_before()
    {
        int calls = 0;
        var h = new TransactionHarness(intercept: (_, _) =>
        {
            calls++;
            return ValueTask.FromResult(false);
        });
        h.Receive(TransactionHarness.Request("OPTIONS"));
        h.Receive(TransactionHarness.Request("OPTIONS"));
        Assert.Equal(2, calls);
        Assert.Single(h.Requests);
        Assert.Equal(1, h.Layer.Counters.RetransmissionsAbsorbed);
    }

    [Fact]
    public void Responses_do_not_pass_the_hook()
    {
        int calls = 0;
        var h = new TransactionHarness(intercept: (_, _) =>
        {
            calls++;
            return ValueTask.FromResult(true);
        });
        h.Receive(TransactionHarness.Response(200, "z9hG4bKunknown"));
        Assert.Equal(0, calls);
        Assert.Single(h.Strays);
        Assert.Equal(SipMethods.Notify, h.Strays[0].Message!.CSeqMethod);
    }
}
