using System.Net;
using System.Net.Sockets;
using System.Text;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Interop;

/// <summary>
/// RFC 3261 §18.2.2 over TCP, against the real server: an answer goes on the connection its request came on, also when
/// the client has shut down its sending side (a half-close, as Perl Net::SIP does); when that connection is gone, on a
/// new connection to the address the request came from at its Via's sent-by port.
/// </summary>
public sealed class TcpResponseRoutingTests
{
    [Theory]
    [InlineData("OPTIONS")]
    [InlineData("REGISTER")]
    public async Task A_client_that_half_closes_after_its_request_still_gets_the_answer(string method)
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync(endPoint);
        int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
        string uri = method == "REGISTER" ? "sip:example.com" : $"sip:probe@127.0.0.1:{server.Port}";
        string request = RawSipClient.Request(method, uri, port, transport: "TCP", extraHeaders: method == "REGISTER"
            ? $"Contact: <sip:alice@127.0.0.1:{port};transport=tcp>\r\nExpires: 600\r\n" : "")
            .Replace("From: <sip:tester@127.0.0.1>", "From: <sip:alice@example.com>", StringComparison.Ordinal)
            .Replace($"To: <{uri}>", method == "REGISTER" ? "To: <sip:alice@example.com>" : $"To: <{uri}>", StringComparison.Ordinal);
        await tcp.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None);
        tcp.Shutdown(SocketShutdown.Send);

        var (response, raw) = await RawSipClient.ReadTcpAsync(tcp, TimeSpan.FromSeconds(10));
        Assert.True(response is not null, "no answer on the half-closed connection: " + Encoding.ASCII.GetString(raw));
        // OPTIONS is answered by the server itself; a REGISTER is challenged first (authentication is on).
        Assert.Equal(method == "REGISTER" ? 401 : 200, response.StatusCode);
    }

    [Fact]
    public async Task When_the_connection_is_gone_the_answer_comes_on_a_new_one_to_the_via_sent_by_port()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        await server.ProvisionAsync("bob@example.com", "bob-secret");
        // The client listens where its Via says, as a SIP phone on TCP does.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        int sentByPort = ((IPEndPoint)listener.LocalEndPoint!).Port;

        // bob's SUBSCRIBE carries credentials with a nonce the server never issued: the server looks bob up (a grain
        // call) before it finds that out and answers with a fresh challenge, by which time the client has dropped its
        // connection with SO_LINGER 0 (a reset), so nothing can be written to it any more.
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        string request = RawSipClient.Request("SUBSCRIBE", "sip:alice@example.com", sentByPort, transport: "TCP",
                extraHeaders: $"Event: presence\r\nContact: <sip:bob@127.0.0.1:{sentByPort};transport=tcp>\r\nExpires: 600\r\n"
                    + "Authorization: Digest username=\"bob\", realm=\"example.com\", nonce=\"bm90LWlzc3VlZA\", uri=\"sip:alice@example.com\", "
                    + "response=\"00000000000000000000000000000000\", algorithm=MD5\r\n")
            .Replace("From: <sip:tester@127.0.0.1>", "From: <sip:bob@example.com>", StringComparison.Ordinal);
        using (var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await tcp.ConnectAsync(endPoint);
            tcp.LingerState = new LingerOption(true, 0);
            await tcp.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None);
            tcp.Close();
        }

        using var accept = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var back = await listener.AcceptAsync(accept.Token);
        var (response, raw) = await RawSipClient.ReadTcpAsync(back, TimeSpan.FromSeconds(10));
        Assert.True(response is not null, "nothing on the new connection: " + Encoding.ASCII.GetString(raw));
        Assert.Equal(401, response.StatusCode);
        Assert.Equal("SUBSCRIBE", response.CSeqMethod);
    }
}
