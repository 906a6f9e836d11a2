using Presence.Server.Edge;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Edge;

public sealed class ProxyBranchTests
{
    private static SipMessage Request(string method, string via, string cseqMethod = "", string toTag = "", string callId = "call-1") =>
        SipParser.Parse(System.Text.Encoding.UTF8.GetBytes(
            $"{method} sip:alice@example.com SIP/2.0\r\n"
            + $"Via: {via}\r\n"
            + "Max-Forwards: 70\r\n"
            + "From: <sip:bob@example.com>;tag=f1\r\n"
            + $"To: <sip:alice@example.com>{toTag}\r\n"
            + $"Call-ID: {callId}\r\n"
            + $"CSeq: 1 {(cseqMethod.Length > 0 ? cseqMethod : method)}\r\n"
            + "Content-Length: 0\r\n\r\n")).Message!;

    private static string BranchOf(SipMessage request) => ProxyBranch.For(request, request.TopVia!);

    private const string ClientVia = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9;rport";

    [Fact]
    public void A_retransmission_gets_the_same_branch_and_it_is_a_fixed_value()
    {
        string first = BranchOf(Request("SUBSCRIBE", ClientVia));
        Assert.Equal(first, BranchOf(Request("SUBSCRIBE", ClientVia)));
        // The same in every process and every build: a restarted edge forwards a retransmission with the same branch.
        Assert.Equal("z9hG4bKpx", first[..9]);
        Assert.Equal(9 + 24, first.Length);
        Assert.True(ProxyBranch.IsOurs(first));
    }

    [Fact]
    public void Cancel_and_the_ack_of_a_non_2xx_get_the_branch_of_their_invite()
    {
        // RFC 3261 §16.11: the next hop matches them to the INVITE's transaction by this branch.
        string invite = BranchOf(Request("INVITE", ClientVia));
        Assert.Equal(invite, BranchOf(Request("CANCEL", ClientVia)));
        Assert.Equal(invite, BranchOf(Request("ACK", ClientVia, toTag: ";tag=t9")));
    }

    [Fact]
    public void Another_branch_or_another_sender_gets_another_branch()
    {
        string original = BranchOf(Request("SUBSCRIBE", ClientVia));
        Assert.NotEqual(original, BranchOf(Request("SUBSCRIBE", "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bfa;rport")));
        Assert.NotEqual(original, BranchOf(Request("SUBSCRIBE", "SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bK74bf9;rport")));
    }

    [Fact]
    public void An_RFC_2543_branch_is_told_apart_by_the_call()
    {
        const string old = "SIP/2.0/UDP 192.0.2.10:5060;branch=1";
        Assert.Equal(BranchOf(Request("INVITE", old)), BranchOf(Request("CANCEL", old)));
        Assert.NotEqual(BranchOf(Request("INVITE", old)), BranchOf(Request("INVITE", old, callId: "call-2")));
    }

    [Fact]
    public void Random_client_branches_are_not_taken_for_ours()
    {
        Assert.False(ProxyBranch.IsOurs("z9hG4bK0123456789abcdef"));
        Assert.False(ProxyBranch.IsOurs(null));
    }
}
