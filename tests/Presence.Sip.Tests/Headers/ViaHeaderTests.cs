using Presence.Sip.Headers;

namespace Presence.Sip.Tests.Headers;

/// <summary><see cref="ViaHeader"/> (RFC 3261 §20.42, §18.2.1) with rport (RFC 3581).</summary>
public sealed class ViaHeaderTests
{
    private static ViaHeader Parse(string text)
    {
        Assert.True(ViaHeader.TryParse(text, out ViaHeader? via, out string error), error);
        return via!;
    }

    [Fact]
    public void UdpWithBranch()
    {
        ViaHeader via = Parse("SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds");

        Assert.Equal("UDP", via.Transport);
        Assert.Equal("pc33.atlanta.com", via.Host);
        Assert.Null(via.Port);
        Assert.False(via.HostIsIPv6);
        Assert.Equal("z9hG4bK776asdhds", via.Branch);
        Assert.StartsWith(ViaHeader.MagicCookie, via.Branch);
        Assert.False(via.IsReliable);
        Assert.Equal("pc33.atlanta.com", via.SentBy);
        Assert.Null(via.Received);
        Assert.Null(via.Maddr);
        Assert.False(via.HasRport);
        Assert.Null(via.Rport);
    }

    [Fact]
    public void TcpWithPort()
    {
        ViaHeader via = Parse("SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74b43");

        Assert.Equal("TCP", via.Transport);
        Assert.Equal(5060, via.Port);
        Assert.True(via.IsReliable);
        Assert.Equal("client.atlanta.example.com:5060", via.SentBy);
    }

    [Theory]
    [InlineData("SIP/2.0/tls host.example.com", "TLS")]
    [InlineData("sip/2.0/ws host.example.com", "WS")]
    [InlineData("SIP/2.0/SCTP host.example.com", "SCTP")]
    public void TransportIsUpperCased(string text, string transport)
    {
        Assert.Equal(transport, Parse(text).Transport);
    }

    [Fact]
    public void RfcExample_LwsAroundSlashesAndColon()
    {
        // The second example of RFC 3261 §20.42, with white space around '/' and ':' and before ';'.
        ViaHeader via = Parse("SIP / 2.0 / UDP first.example.com: 4000;ttl=16;maddr=224.2.0.1 ;branch=z9hG4bKa7c6a8dlze.1");

        Assert.Equal("UDP", via.Transport);
        Assert.Equal("first.example.com", via.Host);
        Assert.Equal(4000, via.Port);
        Assert.Equal("16", via.Parameters["ttl"]);
        Assert.Equal("224.2.0.1", via.Maddr);
        Assert.Equal("z9hG4bKa7c6a8dlze.1", via.Branch);
    }

    [Theory]
    [InlineData("SIP/2.0/UDP host.example.com :5070;branch=z9hG4bK1")]
    [InlineData("SIP/2.0/UDP host.example.com : 5070;branch=z9hG4bK1")]
    [InlineData("SIP/2.0/UDP host.example.com:\t5070 ;branch=z9hG4bK1")]
    [InlineData("  SIP/2.0/UDP   host.example.com:5070  ;  branch = z9hG4bK1  ")]
    public void WhiteSpaceAroundColonAndParameters(string text)
    {
        ViaHeader via = Parse(text);

        Assert.Equal("host.example.com", via.Host);
        Assert.Equal(5070, via.Port);
        Assert.Equal("z9hG4bK1", via.Branch);
    }

    [Fact]
    public void IPv6SentBy()
    {
        ViaHeader via = Parse("SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3-111");

        Assert.Equal("2001:db8::9:1", via.Host);
        Assert.True(via.HostIsIPv6);
        Assert.Equal(5070, via.Port);
        Assert.Equal("[2001:db8::9:1]", via.HostReference);
        Assert.Equal("[2001:db8::9:1]:5070", via.SentBy);
        Assert.Equal("SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3-111", via.ToString());
    }

    [Fact]
    public void RportFlagVersusValue()
    {
        ViaHeader flag = Parse("SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK1");
        ViaHeader filled = Parse("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;received=203.0.113.7;rport=61000");

        Assert.True(flag.HasRport);
        Assert.Null(flag.Rport);
        Assert.True(filled.HasRport);
        Assert.Equal(61000, filled.Rport);
        Assert.Equal("203.0.113.7", filled.Received);
    }

    [Fact]
    public void ReceivedMayBeIPv6()
    {
        ViaHeader via = Parse("SIP/2.0/UDP host.example.com;branch=z9hG4bK1;received=2001:db8::7");

        Assert.Equal("2001:db8::7", via.Received);
    }

    [Fact]
    public void ToString_KeepsParameterOrder()
    {
        ViaHeader via = Parse("SIP/2.0/udp host.example.com:5060;rport;x=\"q v\";branch=z9hG4bK1;received=192.0.2.9");

        Assert.Equal("SIP/2.0/UDP host.example.com:5060;rport;x=\"q v\";branch=z9hG4bK1;received=192.0.2.9", via.ToString());
    }

    [Theory]
    [InlineData("SIP/2.0 host.example.com", "malformed Via protocol")]
    [InlineData("SIP/3.0/UDP host.example.com", "malformed Via protocol")]
    [InlineData("HTTP/2.0/UDP host.example.com", "malformed Via protocol")]
    [InlineData("SIP2.0/UDP host.example.com", "malformed Via protocol")]
    [InlineData("", "malformed Via protocol")]
    [InlineData("SIP/2.0/;branch=z9hG4bK1", "missing Via transport")]
    [InlineData("SIP/2.0/UDP", "malformed Via sent-by: empty host")]
    [InlineData("SIP/2.0/UDP ;branch=z9hG4bK1", "malformed Via sent-by: empty host")]
    [InlineData("SIP/2.0/UDP host.example.com:99999", "malformed Via sent-by: malformed port")]
    [InlineData("SIP/2.0/UDP host.example.com:", "malformed Via sent-by: empty port")]
    [InlineData("SIP/2.0/UDP [2001:db8::1", "malformed Via sent-by: unterminated IPv6 reference")]
    [InlineData("SIP/2.0/UDP ho$t.example.com", "malformed Via sent-by: malformed host")]
    [InlineData("SIP/2.0/UDP host.example.com;branch=", "malformed Via parameters: empty value of parameter 'branch'")]
    [InlineData("SIP/2.0/UDP host.example.com;branch=a;Branch=b", "malformed Via parameters: duplicate parameter 'Branch'")]
    [InlineData("SIP/2.0/UDP host.example.com;", "malformed Via parameters: empty parameter name")]
    [InlineData("SIP/2.0/UDP host.example.com junk", "unexpected text in Via")]
    [InlineData("SIP/2.0/UDP a.example.com, SIP/2.0/UDP b.example.com", "unexpected text in Via")]
    [InlineData("SIP/2.0/UDP host.example.com;branch=\"\"", "empty Via branch")]
    public void Rejected(string text, string expectedError)
    {
        Assert.False(ViaHeader.TryParse(text, out ViaHeader? via, out string error));
        Assert.Null(via);
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void Parse_ThrowsFormatException()
    {
        var e = Assert.Throws<FormatException>(() => ViaHeader.Parse("SIP/2.0/UDP"));

        Assert.Equal("malformed Via sent-by: empty host", e.Message);
    }

    [Fact]
    public void WithReceived_HostDiffers_AddsReceivedOnly()
    {
        // RFC 3261 §18.2.1: received is added when sent-by is not the packet's source address.
        ViaHeader via = Parse("SIP/2.0/UDP pc33.atlanta.com:5060;branch=z9hG4bK1");

        ViaHeader answered = via.WithReceived("192.0.2.1", 5060);

        Assert.Equal("SIP/2.0/UDP pc33.atlanta.com:5060;branch=z9hG4bK1;received=192.0.2.1", answered.ToString());
        Assert.False(answered.HasRport);
    }

    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("PC33.atlanta.com")]
    public void WithReceived_SameHostNoRport_LeavesParametersAlone(string source)
    {
        ViaHeader via = Parse("SIP/2.0/UDP " + source.ToLowerInvariant() + ":5060;branch=z9hG4bK1");

        ViaHeader answered = via.WithReceived(source, 5080);

        Assert.Equal(via.ToString(), answered.ToString());
        Assert.Null(answered.Received);
    }

    [Fact]
    public void WithReceived_RportRequested_AddsReceivedEvenForSameHostAndFillsRport()
    {
        // RFC 3581 §4: with rport, received is added even when it equals sent-by, and rport gets the source port.
        ViaHeader via = Parse("SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK1");

        ViaHeader answered = via.WithReceived("192.0.2.1", 61000);

        Assert.Equal("SIP/2.0/UDP 192.0.2.1:5060;rport=61000;branch=z9hG4bK1;received=192.0.2.1", answered.ToString());
        Assert.Equal(61000, answered.Rport);
        Assert.Equal("192.0.2.1", answered.Received);
    }

    [Fact]
    public void WithReceived_ReplacesAnEarlierReceivedAndKeepsTheOriginal()
    {
        ViaHeader via = Parse("SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bK1;received=198.51.100.1");

        ViaHeader answered = via.WithReceived("2001:db8::99", 40000);

        Assert.Equal("SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bK1;received=2001:db8::99", answered.ToString());
        Assert.Equal("198.51.100.1", via.Received);
        Assert.True(answered.HostIsIPv6);
        Assert.Equal(5061, answered.Port);
        Assert.Equal("TCP", answered.Transport);
    }

    [Fact]
    public void Constructor_BuildsSentBy()
    {
        var via = new ViaHeader("tcp", "192.0.2.5", 5070);
        via.Parameters.Set("branch", "z9hG4bKabc");

        Assert.Equal("SIP/2.0/TCP 192.0.2.5:5070;branch=z9hG4bKabc", via.ToString());
    }
}
