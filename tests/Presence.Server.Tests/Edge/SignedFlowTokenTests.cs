using System.Net;
using System.Text;
using Presence.Server.Edge;
using Presence.Sip.Transport;

namespace Presence.Server.Tests.Edge;

public sealed class SignedFlowTokenTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    public static TheoryData<string, int, SipTransportKind, long> Flows => new()
    {
        { "192.0.2.10", 5060, SipTransportKind.Udp, 0 },
        { "192.0.2.10", 40123, SipTransportKind.Tcp, 42 },
        { "2001:db8::1", 5061, SipTransportKind.Tls, 9_000_000_000 },
    };

    [Theory]
    [MemberData(nameof(Flows))]
    public void A_signed_flow_comes_back_as_it_went(string address, int port, SipTransportKind transport, long flowId)
    {
        var tokens = new SignedFlowToken(Key);
        var flow = new SipDestination(transport, new IPEndPoint(IPAddress.Parse(address), port), flowId);
        string token = tokens.Sign(flow);

        Assert.True(tokens.TryVerify(token, out var back));
        Assert.Equal(flow, back);
        // base64url only: a SIP URI user part and a Via parameter take it unescaped.
        Assert.Matches("^[A-Za-z0-9_-]+$", token);
    }

    [Fact]
    public void Every_changed_character_is_refused()
    {
        var tokens = new SignedFlowToken(Key);
        string token = tokens.Sign(new SipDestination(SipTransportKind.Tcp, new IPEndPoint(IPAddress.Parse("192.0.2.10"), 40123), 7));
        for (int i = 0; i < token.Length; i++)
        {
            char replacement = token[i] == 'A' ? 'B' : 'A';
            string tampered = token[..i] + replacement + token[(i + 1)..];
            Assert.False(tokens.TryVerify(tampered, out _), $"a token changed at {i} was accepted");
        }
    }

    [Fact]
    public void A_flow_written_without_the_key_is_refused()
    {
        var tokens = new SignedFlowToken(Key);
        string unsigned = Convert.ToBase64String(new byte[16].Concat(Encoding.ASCII.GetBytes("udp:198.51.100.66:5060")).ToArray())
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        Assert.False(tokens.TryVerify(unsigned, out _));
        Assert.False(new SignedFlowToken(Enumerable.Repeat((byte)7, 32).ToArray())
            .TryVerify(tokens.Sign(new SipDestination(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5060))), out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("not base64 at all!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA")]
    public void Garbage_is_refused(string token) => Assert.False(new SignedFlowToken(Key).TryVerify(token, out _));

    [Fact]
    public void An_overlong_token_is_refused_before_any_work() =>
        Assert.False(new SignedFlowToken(Key).TryVerify(new string('A', 10_000), out _));

    [Fact]
    public void An_IPv4_peer_seen_by_a_dual_stack_socket_signs_as_IPv4()
    {
        var tokens = new SignedFlowToken(Key);
        var mapped = new SipDestination(SipTransportKind.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.10").MapToIPv6(), 5060));
        Assert.True(tokens.TryVerify(tokens.Sign(mapped), out var back));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 5060), back.EndPoint);
    }

    [Fact]
    public void A_short_key_is_refused() => Assert.Throws<ArgumentException>(() => new SignedFlowToken(new byte[8]));
}
