using System.Net;
using Presence.Sip.Message;
using Presence.Sip.Transactions;
using Presence.Sip.Transport;

namespace Presence.Sip.Tests.Transactions;

public sealed class ServerTransactionTests
{
    [Fact]
    public async Task Non_invite_request_reaches_the_user_once_and_retransmissions_are_absorbed_while_trying()
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("SUBSCRIBE"));
        h.Receive(TransactionHarness.Request("SUBSCRIBE"));
        Assert.Single(h.Requests);
        Assert.Empty(h.Sent);
        Assert.Equal(1, h.Layer.Counters.RetransmissionsAbsorbed);

        await h.Requests[0].RespondAsync(200);
        Assert.Single(h.Sent);
        Assert.Equal(ServerTransactionState.Completed, h.Requests[0].State);
    }

    [Fact]
    public async Task Completed_transaction_resends_its_final_response_until_timer_J()
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("PUBLISH"));
        await h.Requests[0].RespondAsync(200);
        h.Receive(TransactionHarness.Request("PUBLISH"));
        Assert.Equal(2, h.Sent.Count);
        Assert.Equal(h.Sent[0].Bytes, h.Sent[1].Bytes);

        // Timer J is 64*T1 = 32 s on UDP.
        h.Time.Advance(TimeSpan.FromSeconds(31.9));
        Assert.Equal(1, h.Layer.ServerTransactionCount);
        h.Time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(0, h.Layer.ServerTransactionCount);

        // After the transaction ended the same branch is a new request.
        h.Receive(TransactionHarness.Request("PUBLISH"));
        Assert.Equal(2, h.Requests.Count);
    }

    [Fact]
    public async Task Reliable_transport_ends_the_transaction_at_once()
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("PUBLISH", transport: "TCP"), SipTransportKind.Tcp);
        await h.Requests[0].RespondAsync(200);
        h.Time.Advance(TimeSpan.Zero);
        Assert.Equal(0, h.Layer.ServerTransactionCount);
        Assert.Equal(7, h.Sent[0].Destination.FlowId);
    }

    [Fact]
    public async Task Proceeding_resends_the_provisional_and_a_second_final_is_ignored()
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("MESSAGE"));
        var t = h.Requests[0];
        await t.RespondAsync(180);
        h.Receive(TransactionHarness.Request("MESSAGE"));
        Assert.Equal(2, h.Sent.Count);
        Assert.Equal(180, h.SentMessages[1].StatusCode);

        Assert.True(await t.RespondAsync(486));
        Assert.False(await t.RespondAsync(200));
        Assert.Equal(3, h.Sent.Count);
        Assert.Equal(486, h.SentMessages[2].StatusCode);
    }

    [Fact]
    public async Task Responses_carry_received_and_rport_and_go_to_the_source_port()
    {
        var h = new TransactionHarness();
        var nat = new IPEndPoint(IPAddress.Parse("203.0.113.7"), 61000);
        h.Receive(TransactionHarness.Request("OPTIONS", viaExtra: ";rport", sentBy: "10.0.0.5:5060"), from: nat);
        await h.Requests[0].RespondAsync(200);
        var (destination, _) = h.Sent[0];
        Assert.Equal(nat, destination.EndPoint);
        var via = h.SentMessages[0].TopVia!;
        Assert.Equal("203.0.113.7", via.Received);
        Assert.Equal(61000, via.Rport);
    }

    [Fact]
    public async Task Without_rport_the_response_goes_to_the_sent_by_port_of_the_source_address()
    {
        var h = new TransactionHarness();
        var source = new IPEndPoint(IPAddress.Parse("203.0.113.7"), 61000);
        h.Receive(TransactionHarness.Request("OPTIONS", viaExtra: string.Empty, sentBy: "host.example.com:5070"), from: source);
        await h.Requests[0].RespondAsync(200);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 5070), h.Sent[0].Destination.EndPoint);
        Assert.Equal("203.0.113.7", h.SentMessages[0].TopVia!.Received);
        Assert.Null(h.SentMessages[0].TopVia!.Rport);
    }

    [Fact]
    public void Different_methods_on_one_branch_are_different_transactions()
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("INVITE"));
        h.Receive(TransactionHarness.Request("CANCEL"));
        Assert.Equal(2, h.Requests.Count);
        Assert.Equal("CANCEL", h.Requests[1].Request.Method);
    }

    [Fact]
    public void Rfc2543_requests_without_the_magic_cookie_are_matched_by_call_id_cseq_and_tags()
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("OPTIONS", branch: "old1"));
        h.Receive(TransactionHarness.Request("OPTIONS", branch: "old1"));
        Assert.Single(h.Requests);
    }

    [Fact]
    public void Invite_without_an_answer_in_200_ms_gets_100_trying()
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("INVITE"));
        h.Time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Empty(h.Sent);
        h.Time.Advance(TimeSpan.FromMilliseconds(2));
        var trying = Assert.Single(h.SentMessages);
        Assert.Equal(100, trying.StatusCode);
        Assert.Null(Presence.Sip.Headers.NameAddress.Parse(trying.GetFirst(HeaderId.To)!).Tag);
    }

    [Fact]
    public async Task Invite_final_response_is_retransmitted_by_timer_G_until_timer_H()
    {
        var h = new TransactionHarness();
        InviteServerTransaction? timedOut = null;
        h.Receive(TransactionHarness.Request("INVITE"));
        var t = (InviteServerTransaction)h.Requests[0];
        t.AckTimedOut += x => timedOut = x;
        await t.RespondAsync(480);

        // G doubles from T1 to T2: sends at 0.5, 1.5, 3.5, 7.5, 11.5, ... 31.5 s; H ends it at 32 s.
        h.Time.Advance(TimeSpan.FromSeconds(31.9));
        Assert.Equal(11, h.Sent.Count);
        Assert.All(h.Sent, s => Assert.Equal(h.Sent[0].Bytes, s.Bytes));
        h.Time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Same(t, timedOut);
        Assert.Equal(0, h.Layer.ServerTransactionCount);
    }

    [Fact]
    public async Task Ack_stops_retransmissions_and_is_absorbed_until_timer_I()
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("INVITE"));
        await h.Requests[0].RespondAsync(302);
        h.Time.Advance(TimeSpan.FromSeconds(0.6));
        Assert.Equal(2, h.Sent.Count);

        h.Receive(TransactionHarness.Request("ACK"));
        Assert.Equal(ServerTransactionState.Confirmed, h.Requests[0].State);
        h.Time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(2, h.Sent.Count);
        h.Receive(TransactionHarness.Request("ACK"));
        Assert.Empty(h.Strays);
        Assert.Single(h.Requests);

        h.Time.Advance(TimeSpan.FromSeconds(0.2)); // T4 = 5 s
        Assert.Equal(0, h.Layer.ServerTransactionCount);
    }

    [Fact]
    public async Task Invite_accepted_with_2xx_absorbs_retransmissions_and_passes_its_ack_up()
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("INVITE"));
        await h.Requests[0].RespondAsync(200);
        Assert.Equal(ServerTransactionState.Accepted, h.Requests[0].State);
        h.Receive(TransactionHarness.Request("INVITE"));
        Assert.Single(h.Requests);
        Assert.Single(h.Sent); // RFC 6026: the TU, not the transaction, retransmits a 2xx

        h.Receive(TransactionHarness.Request("ACK", branch: "z9hG4bKack2xx"));
        Assert.Single(h.Strays);
        Assert.Equal("ACK", h.Strays[0].Message!.Method);
    }

    [Fact]
    public void Malformed_but_addressable_request_gets_400_with_the_parser_reason()
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("OPTIONS").Replace("Max-Forwards: 70", "Max-Forwards: many", StringComparison.Ordinal));
        Assert.Empty(h.Requests);
        var response = Assert.Single(h.SentMessages);
        Assert.Equal(400, response.StatusCode);
        Assert.Equal("Malformed Max-Forwards", response.ReasonPhrase);
        Assert.Equal(1, h.Layer.Counters.BadRequestsAnswered);
    }

    [Theory]
    [InlineData("Via: SIP/2.0/UDP 192.0.2.10:40000;branch=z9hG4bKtest1;rport\r\n", "")]
    [InlineData("Via: SIP/2.0/UDP 192.0.2.10:40000;branch=z9hG4bKtest1;rport", "Via: SIP/2.0/UDP ;branch=z9hG4bKtest1")]
    [InlineData("Via: SIP/2.0/UDP 192.0.2.10:40000;branch=z9hG4bKtest1;rport", "Via: nothing at all")]
    public void Requests_without_a_usable_via_are_dropped_and_counted(string find, string replace)
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("OPTIONS").Replace(find, replace, StringComparison.Ordinal));
        Assert.Empty(h.Sent);
        Assert.Empty(h.Requests);
        Assert.Equal(1, h.Layer.Counters.Dropped);
        Assert.Equal(1, h.Layer.Counters.MalformedDropped);
        Assert.Equal(1, h.Layer.Counters.ParseErrors);
    }

    [Theory]
    [InlineData("CSeq: 7 OPTIONS", "CSeq: seven OPTIONS", 400, "Malformed CSeq")]
    [InlineData("OPTIONS sip:alice@example.com SIP/2.0", "OPTIONS sip:alice@example.com SIP/9.9", 505, "Version Not Supported")]
    [InlineData("OPTIONS sip:alice@example.com SIP/2.0", "OPTIONS sip:alice@example.com SIP/2.0 extra", 400, "Malformed SIP Version")]
    [InlineData("Call-ID: ", "X-Was-Call-ID: ", 400, "Missing Call-ID Header")]
    [InlineData("Via: SIP/2.0/UDP 192.0.2.10:40000;branch=z9hG4bKtest1;rport", "Via: SIP/2.0/UDP 192.0.2.10:40000;;,;rport", 400, "Malformed Via Header")]
    public void Malformed_requests_with_a_usable_via_are_answered_with_what_they_have(string find, string replace, int status, string reason)
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("OPTIONS").Replace(find, replace, StringComparison.Ordinal));
        Assert.Empty(h.Requests);
        var response = Assert.Single(h.SentMessages);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(reason, response.ReasonPhrase);
        // Sent where the Via says, the Via first in the answer, which copies only what the request had.
        Assert.StartsWith("SIP/2.0/UDP 192.0.2.10:40000", response.GetFirst(HeaderId.Via), StringComparison.Ordinal);
        Assert.Equal(replace.StartsWith("X-Was-Call-ID", StringComparison.Ordinal), !response.Has(HeaderId.CallId));
        Assert.Equal(1, h.Layer.Counters.BadRequestsAnswered);
        Assert.Equal(0, h.Layer.Counters.MalformedDropped);
    }

    [Fact]
    public void Malformed_ack_and_malformed_responses_are_never_answered()
    {
        var h = new TransactionHarness();
        h.Receive(TransactionHarness.Request("ACK").Replace("Max-Forwards: 70", "Max-Forwards: x", StringComparison.Ordinal));
        h.Receive(TransactionHarness.Response(200, "z9hG4bKx").Replace("CSeq: 3 NOTIFY", "CSeq: NOTIFY", StringComparison.Ordinal));
        Assert.Empty(h.Sent);
        Assert.Equal(2, h.Layer.Counters.Dropped);
    }
}
