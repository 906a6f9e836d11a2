using System.Net;
using System.Net.Sockets;
using System.Text;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Interop;

/// <summary>
/// sipsak 0.9.8 (Debian 12) against the server with its defaults (digest on): it registers (usrloc mode), publishes and
/// subscribes (file mode), each time answering the 401 with MD5 digest, the first challenge the server offers. sipsak
/// is a one-request tool: it reads the answer to its request and exits, so the NOTIFYs of the subscription it makes are
/// read by this test on the port sipsak used, where the change is seen.
/// </summary>
/// <remarks>
/// sipsak resolves the host of its target URI even when told where to send (-p), and example.com does not resolve
/// here, so the user lives in the domain "localhost" (which does, to loopback; the request still goes to -p).
/// </remarks>
public sealed class SipsakInteropTests
{
    private const string Aor = "sip:dave@localhost";
    private const string Password = "dave-sipsak-secret";

    [Fact]
    public async Task Sipsak_registers_publishes_and_subscribes_with_md5_digest_and_the_subscription_sees_a_change()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        await server.ProvisionAsync("dave@localhost", Password);
        await server.ProvisionAsync("erin@localhost", "erin-secret");
        string proxy = $"127.0.0.1:{server.Port}";
        string work = Directory.CreateTempSubdirectory("sipsak-").FullName;

        // REGISTER (usrloc mode): challenged, answered with the password; Expires 600 (sipsak's own 15 s is below the
        // server's minimum, 60, and would get 423).
        var (code, output) = await Sipsak.RunAsync("-U", "-x", "600", "-s", Aor, "-p", proxy, "-u", "dave", "-a", Password, "-vvv");
        Assert.True(code == 0, output);
        Assert.Contains("SIP/2.0 401 Unauthorized", output, StringComparison.Ordinal);
        Assert.Contains("algorithm=MD5", output, StringComparison.Ordinal);
        Assert.Contains("SIP/2.0 200 OK", output, StringComparison.Ordinal);

        // A watcher of dave sees him available.
        await using var erin = new TestUserAgent(server.Port, "erin", "localhost") { Credentials = ("erin", "erin-secret") };
        Assert.Equal(200, (await erin.SubscribeAsync(Aor)).StatusCode);
        Assert.Equal("available", TestUserAgent.ExtendedOf(await erin.NextNotifyAsync()));

        // PUBLISH (file mode): do-not-disturb with a comment, which erin hears of.
        string body = "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:dave@localhost\">"
            + "<tuple id=\"s\"><status><basic>closed</basic></status></tuple><note>Lunch, from sipsak</note></presence>";
        string publish = Path.Combine(work, "publish.sip");
        await File.WriteAllTextAsync(publish, Request("PUBLISH", Aor, "sipsak-publish", "Event: presence\nExpires: 600\nContent-Type: application/pidf+xml\n", body));
        (code, output) = await Sipsak.RunAsync("-f", publish, "-s", Aor, "-p", proxy, "-u", "dave", "-a", Password, "-vv");
        Assert.True(code == 0, output);
        Assert.Contains("SIP-ETag: ", output, StringComparison.Ordinal);
        var dnd = await erin.NextNotifyAsync();
        Assert.Equal("donotdisturb", TestUserAgent.ExtendedOf(dnd));
        Assert.Contains("<note>Lunch, from sipsak</note>", Encoding.UTF8.GetString(dnd.Body.Span), StringComparison.Ordinal);

        // SUBSCRIBE (file mode) to erin. The server sends NOTIFYs back the way the SUBSCRIBE came (the source address and
        // port, as for a client behind NAT), so sipsak sends from a port of its own (-l, -S); once it has its 200 it
        // exits, and this test takes over that port: the first NOTIFY, sent while sipsak was leaving or after, comes
        // again by UDP retransmission (RFC 3261 §17.1.2.2) and is answered here, then erin's change.
        int port = ServerProcess.FreePort("127.0.0.1");
        string subscribe = Path.Combine(work, "subscribe.sip");
        await File.WriteAllTextAsync(subscribe, Request("SUBSCRIBE", "sip:erin@localhost", "sipsak-subscribe",
            $"Event: presence\nAccept: application/pidf+xml\nContact: <sip:dave@127.0.0.1:{port}>\nExpires: 600\n", null));
        (code, output) = await Sipsak.RunAsync("-f", subscribe, "-s", "sip:erin@localhost", "-p", proxy, "-l", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-S",
            "-u", "dave", "-a", Password, "-vv");
        Assert.True(code == 0, output);
        Assert.Contains("SIP/2.0 200 OK", output, StringComparison.Ordinal);
        using var notifies = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        notifies.Bind(new IPEndPoint(IPAddress.Loopback, port));
        Assert.Equal("unreachable", TestUserAgent.ExtendedOf(await ReceiveNotifyAsync(notifies)));
        Assert.Equal(200, (await erin.RegisterAsync()).StatusCode);
        Assert.Equal("available", TestUserAgent.ExtendedOf(await ReceiveNotifyAsync(notifies)));
    }

    // sipsak adds its Via (and turns LF into CRLF); the rest is the request as a user would write it.
    private static string Request(string method, string target, string callId, string headers, string? body) =>
        $"{method} {target} SIP/2.0\nFrom: <{Aor}>;tag={callId}\nTo: <{target}>\nCall-ID: {callId}@127.0.0.1\nCSeq: 1 {method}\n"
        + $"Max-Forwards: 70\n{headers}Content-Length: {Encoding.UTF8.GetByteCount(body ?? string.Empty)}\n\n{body}";

    // Receives the next NOTIFY on the socket and answers it 200, as a subscriber does.
    private static async Task<SipMessage> ReceiveNotifyAsync(Socket socket)
    {
        var buffer = new byte[65536];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
            var notify = SipParser.Parse(buffer.AsSpan(0, received.ReceivedBytes).ToArray()).Message;
            if (notify is not { IsRequest: true, Method: "NOTIFY" })
                continue;
            byte[] ok = SipMessageBuilder.ResponseTo(notify, 200).ToArray();
            await socket.SendToAsync(ok, SocketFlags.None, received.RemoteEndPoint);
            return notify;
        }
    }
}
