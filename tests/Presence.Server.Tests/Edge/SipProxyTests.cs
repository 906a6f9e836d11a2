using Presence.Server.Edge;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Presence.Sip.Transport;

namespace Presence.Server.Tests.Edge;

/// <summary>What the stateless proxy writes, on a transaction layer without sockets (<see cref="ProxyHarness"/>).</summary>
public sealed class SipProxyTests
{
    private const string UdpVia = "SIP/2.0/UDP 192.0.2.10:40000;branch=z9hG4bKc1;rport";
    private const string TcpVia = "SIP/2.0/TCP 192.0.2.20:41000;branch=z9hG4bKt1;rport";

    private static List<string> Vias(SipMessage m) => m.GetValues(HeaderId.Via).ToList();

    [Fact]
    public void A_subscribe_from_udp_goes_to_its_silo_with_our_via_record_route_and_one_hop_less()
    {
        var h = new ProxyHarness();
        var (to, sent) = h.Receive(ProxyHarness.Subscribe(UdpVia), ProxyHarness.UdpClient);

        Assert.Equal(ProxyHarness.Silo, to);
        Assert.Equal("sip:alice@example.com", sent.RequestUri);
        var vias = Vias(sent);
        Assert.Equal(2, vias.Count);
        Assert.Matches(@"^SIP/2\.0/UDP 198\.51\.100\.1:5060;branch=z9hG4bKpx[0-9a-f]{24};rport$", vias[0]);
        Assert.Equal("SIP/2.0/UDP 192.0.2.10:40000;branch=z9hG4bKc1;rport=40000;received=192.0.2.10", vias[1]);
        Assert.Equal(69, sent.MaxForwards);
        Assert.Equal("kept as is", sent.GetFirst("X-Custom"));

        var recordRoute = Assert.Single(sent.GetValues(HeaderId.RecordRoute));
        var uri = NameAddress.Parse(recordRoute).Uri;
        Assert.Equal(("198.51.100.1", 5060, true), (uri.Host, uri.Port!.Value, uri.Parameters.Contains("lr")));
        Assert.True(h.Tokens.TryVerify(uri.User, out var flow));
        Assert.Equal(ProxyHarness.UdpClient, flow);
        Assert.Equal(1, h.Proxy.Counters.RequestsForwarded);
    }

    [Fact]
    public void A_subscribe_from_tcp_is_record_routed_twice_and_its_flow_rides_in_our_via()
    {
        var h = new ProxyHarness();
        var (_, sent) = h.Receive(ProxyHarness.Subscribe(TcpVia), ProxyHarness.TcpClient);

        // RFC 5658 §3.2: the silo's side first (UDP), then the client's (TCP).
        var entries = sent.GetValues(HeaderId.RecordRoute).Select(NameAddress.Parse).ToList();
        Assert.Equal(2, entries.Count);
        Assert.Null(entries[0].Uri.Parameters["transport"]);
        Assert.Equal("tcp", entries[1].Uri.Parameters["transport"]);
        Assert.Equal(entries[0].Uri.User, entries[1].Uri.User);

        var ours = ViaHeader.Parse(Vias(sent)[0]);
        Assert.True(h.Tokens.TryVerify(ours.Parameters[SipProxy.FlowParameter], out var flow));
        Assert.Equal(ProxyHarness.TcpClient, flow);
    }

    [Fact]
    public void The_silos_answer_goes_back_on_the_clients_connection_without_our_via()
    {
        var h = new ProxyHarness();
        var (_, forwarded) = h.Receive(ProxyHarness.Subscribe(TcpVia), ProxyHarness.TcpClient);
        string response = SipMessageBuilder.ResponseTo(forwarded, 200, toTag: "silo1").ToString();

        var (to, back) = h.Receive(response, ProxyHarness.Silo);

        Assert.Equal(ProxyHarness.TcpClient, to);
        Assert.Equal(200, back.StatusCode);
        Assert.StartsWith("SIP/2.0/TCP 192.0.2.20:41000;branch=z9hG4bKt1", Assert.Single(Vias(back)), StringComparison.Ordinal);
        Assert.Equal(1, h.Proxy.Counters.ResponsesForwarded);
    }

    [Fact]
    public void A_notify_carrying_the_clients_flow_token_is_sent_on_that_flow_and_its_answer_returns_to_the_silo()
    {
        var h = new ProxyHarness();
        var (_, subscribe) = h.Receive(ProxyHarness.Subscribe(TcpVia), ProxyHarness.TcpClient);
        var routes = subscribe.GetValues(HeaderId.RecordRoute).ToList();
        string notify = "NOTIFY sip:bob@192.0.2.20:41000;transport=tcp SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKn1;rport\r\n"
            + "Max-Forwards: 70\r\n"
            + string.Concat(routes.Select(r => $"Route: {r}\r\n"))
            + "From: <sip:alice@example.com>;tag=silo1\r\nTo: <sip:bob@example.com>;tag=b1\r\n"
            + "Call-ID: sub-1@192.0.2.10\r\nCSeq: 5 NOTIFY\r\nEvent: presence\r\nSubscription-State: active;expires=600\r\n"
            + "Content-Type: application/pidf+xml\r\nContent-Length: 5\r\n\r\n<x/>\n";

        var (to, sent) = h.Receive(notify, ProxyHarness.Silo);

        Assert.Equal(ProxyHarness.TcpClient, to);
        Assert.False(sent.Has(HeaderId.Route));
        Assert.Equal("<x/>\n", System.Text.Encoding.UTF8.GetString(sent.Body.Span));
        var vias = Vias(sent);
        Assert.StartsWith("SIP/2.0/TCP 198.51.100.1:5060;branch=z9hG4bKpx", vias[0], StringComparison.Ordinal);
        Assert.Equal("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKn1;rport=5060;received=10.0.0.1", vias[1]);

        var (back, answer) = h.Receive(SipMessageBuilder.ResponseTo(sent, 200).ToString(), ProxyHarness.TcpClient);
        Assert.Equal(ProxyHarness.Silo, back);
        Assert.Equal("z9hG4bKn1", answer.TopVia!.Branch);
    }

    [Fact]
    public void An_in_dialog_subscribe_on_the_clients_own_flow_goes_to_the_cluster_by_its_to_user_without_a_new_record_route()
    {
        var h = new ProxyHarness(silos: [ProxyHarness.Silo, new SipDestination(SipTransportKind.Udp, new(System.Net.IPAddress.Parse("10.0.0.2"), 5060))]);
        var (owner, subscribe) = h.Receive(ProxyHarness.Subscribe(UdpVia), ProxyHarness.UdpClient);
        string route = subscribe.GetValues(HeaderId.RecordRoute).Single();

        // The Request-URI names the silo that answered; the To user decides where it goes now.
        var (to, sent) = h.Receive(
            ProxyHarness.Subscribe(UdpVia.Replace("c1", "c2", StringComparison.Ordinal), $"Route: {route}\r\n", ";tag=silo1", "sip:presence@10.0.0.9:5060"),
            ProxyHarness.UdpClient);

        Assert.Equal(owner, to);
        Assert.False(sent.Has(HeaderId.Route));
        Assert.False(sent.Has(HeaderId.RecordRoute));
    }

    [Fact]
    public void Max_forwards_zero_is_answered_483_to_the_sender()
    {
        var h = new ProxyHarness();
        var (to, sent) = h.Receive(ProxyHarness.Subscribe(UdpVia, maxForwards: 0), ProxyHarness.UdpClient);
        Assert.Equal(ProxyHarness.UdpClient, to);
        Assert.Equal(483, sent.StatusCode);
        Assert.Equal(1, h.Proxy.Counters.TooManyHops);
        Assert.Equal(0, h.Proxy.Counters.RequestsForwarded);
    }

    [Fact]
    public void A_tampered_flow_token_gets_403_and_goes_nowhere()
    {
        var h = new ProxyHarness();
        string token = h.Tokens.Sign(ProxyHarness.TcpClient);
        string tampered = token[..5] + (token[5] == 'A' ? 'B' : 'A') + token[6..];
        var (to, sent) = h.Receive(
            ProxyHarness.Subscribe("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKn2;rport", $"Route: <sip:{tampered}@198.51.100.1:5060;lr>\r\n", ";tag=x"),
            ProxyHarness.Silo);
        Assert.Equal(ProxyHarness.Silo, to);
        Assert.Equal(403, sent.StatusCode);
        Assert.Equal(1, h.Proxy.Counters.BadFlowTokens);
    }

    [Fact]
    public void Record_route_if_none_leaves_a_request_an_outside_proxy_record_routed_alone()
    {
        var h = new ProxyHarness(RecordRouteMode.IfNone);
        var (_, sent) = h.Receive(ProxyHarness.Subscribe(UdpVia, "Record-Route: <sip:203.0.113.5;lr>\r\n"), ProxyHarness.UdpClient);
        Assert.Equal("<sip:203.0.113.5;lr>", Assert.Single(sent.GetValues(HeaderId.RecordRoute)));

        var always = new ProxyHarness();
        var (_, stacked) = always.Receive(ProxyHarness.Subscribe(UdpVia, "Record-Route: <sip:203.0.113.5;lr>\r\n"), ProxyHarness.UdpClient);
        var entries = stacked.GetValues(HeaderId.RecordRoute).ToList();
        Assert.Equal(2, entries.Count);
        Assert.Equal("<sip:203.0.113.5;lr>", entries[1]);
    }

    [Fact]
    public void A_route_past_ours_is_followed()
    {
        var h = new ProxyHarness();
        var (to, sent) = h.Receive(
            ProxyHarness.Subscribe(UdpVia, "Route: <sip:198.51.100.1;lr>, <sip:203.0.113.7:5080;lr>\r\n"), ProxyHarness.UdpClient);
        Assert.Equal("203.0.113.7:5080", to.EndPoint.ToString());
        Assert.Equal("<sip:203.0.113.7:5080;lr>", Assert.Single(sent.GetValues(HeaderId.Route)));
        Assert.False(sent.Has(HeaderId.RecordRoute));
    }

    [Fact]
    public void An_options_to_the_edge_itself_is_left_to_the_local_core()
    {
        var h = new ProxyHarness();
        h.Receive(ProxyHarness.Subscribe(UdpVia, uri: "sip:198.51.100.1:5060").Replace("SUBSCRIBE", "OPTIONS", StringComparison.Ordinal), ProxyHarness.UdpClient);
        Assert.Equal(SipMethods.Options, Assert.Single(h.Local).Method);
    }

    [Fact]
    public void An_edge_without_silos_answers_503_with_retry_after()
    {
        var h = new ProxyHarness(silos: []);
        var (_, sent) = h.Receive(ProxyHarness.Subscribe(UdpVia), ProxyHarness.UdpClient);
        Assert.Equal(503, sent.StatusCode);
        Assert.Equal("5", sent.GetFirst(HeaderId.RetryAfter));
        Assert.Equal(1, h.Proxy.Counters.Unavailable);
    }

    [Fact]
    public void A_response_that_did_not_pass_through_us_is_dropped()
    {
        var h = new ProxyHarness();
        string response = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKzz\r\n"
            + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: c\r\nCSeq: 1 NOTIFY\r\nContent-Length: 0\r\n\r\n";
        h.Receive(response, ProxyHarness.UdpClient);
        Assert.Empty(h.Sent);
        Assert.Equal(1, h.Proxy.Counters.Dropped);
    }
}
