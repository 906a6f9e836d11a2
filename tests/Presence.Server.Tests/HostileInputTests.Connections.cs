using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests;

/// <summary>
/// Connections that hurt by being slow, silent, many or broken — slowloris, the per-address cap, TLS handshakes cut
/// short — and garbage on every transport. Loopback addresses other than 127.0.0.1 (all of 127.0.0.0/8 reaches the
/// server on Linux) stand for other hosts, so the per-address limits can be seen at work.
/// </summary>
public sealed partial class HostileInputTests
{
    [Fact]
    public async Task Slow_and_silent_connections_are_closed_while_other_clients_are_served()
    {
        TimeSpan headerTimeout = HostileServerFixture.HeaderTimeout;
        int cap = HostileServerFixture.MaxConnectionsPerAddress;
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        Task<(int Answered, int Asked)> normal = NormalClientAsync(stop.Token);

        // Slowloris: a byte a second of a request that would take four minutes to finish.
        var trickling = new List<Task<TimeSpan?>>();
        for (int i = 0; i < cap; i++)
            trickling.Add(TrickleAsync(await ConnectFromAsync("127.0.0.6", EndPoint), TimeSpan.FromSeconds(1)));
        // Silent connections, more than one address may hold: the cap's worth wait for the header timeout, the rest go at once.
        var silent = new List<Task<TimeSpan?>>();
        for (int i = 0; i < cap + 8; i++)
            silent.Add(ClosedWithinAsync(await ConnectFromAsync("127.0.0.5", EndPoint), headerTimeout + TimeSpan.FromSeconds(3)));
        // A client that is merely slow (its header in two writes, half a second apart) is still answered.
        using var split = await ConnectFromAsync("127.0.0.7", EndPoint);
        byte[] request = Encoding.UTF8.GetBytes(RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{Server.Port}", 5060, transport: "TCP"));
        await split.SendAsync(request.AsMemory(0, 40), SocketFlags.None);
        await Task.Delay(500);
        await split.SendAsync(request.AsMemory(40), SocketFlags.None);
        var (splitAnswer, _) = await RawSipClient.ReadTcpAsync(split, TimeSpan.FromSeconds(3));

        TimeSpan?[] slow = await Task.WhenAll(trickling);
        TimeSpan?[] quiet = await Task.WhenAll(silent);
        await stop.CancelAsync();
        var (answered, asked) = await normal;

        output.WriteLine($"{cap} trickling connections closed after {Range(slow)}; of {quiet.Length} silent ones, "
            + $"{quiet.Count(q => q < headerTimeout / 2)} closed at once (over the cap) and the rest after {Range(quiet.Where(q => q >= headerTimeout / 2))}");
        output.WriteLine($"meanwhile 127.0.0.1 asked {asked} times over UDP and TCP and got {answered} answers in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.All(slow, s => Assert.True(s is { } t && t < headerTimeout + TimeSpan.FromSeconds(2), $"a trickling connection lasted {s}"));
        Assert.All(quiet, q => Assert.NotNull(q));
        Assert.Equal(8, quiet.Count(q => q < headerTimeout / 2));
        Assert.Equal(200, splitAnswer?.StatusCode);
        Assert.True(asked >= 10 && answered == asked, $"{answered} of {asked} answered");
        await CaseAsync($"{cap} slowloris, {cap + 8} silent and one split connection", "closed; others served");
        fixture.Count(trickling.Count + silent.Count);
        _cases += trickling.Count + silent.Count;
        Report();
    }

    [Fact]
    public async Task Tls_handshakes_cut_short_cost_only_their_own_connection()
    {
        var cuts = new (string Name, int Bytes, int Writes)[]
        {
            ("connect, then close", 0, int.MaxValue),
            ("the first byte of the ClientHello", 1, int.MaxValue),
            ("the ClientHello's record header", 5, int.MaxValue),
            ("40 bytes of the ClientHello", 40, int.MaxValue),
            ("the whole ClientHello, then gone", int.MaxValue, 1),
        };
        foreach (var (name, bytes, writes) in cuts)
        {
            using var socket = await ConnectFromAsync("127.0.0.1", fixture.TlsEndPoint);
            if (bytes == 0)
                socket.Close();
            else
                await Assert.ThrowsAnyAsync<Exception>(() => new SslStream(new TruncatingStream(socket, bytes, writes), false, (_, _, _, _) => true)
                    .AuthenticateAsClientAsync("localhost"));
            Assert.Equal(200, await TlsOptionsAsync());
            await CaseAsync("TLS: " + name, "TLS OPTIONS still answered 200");
        }

        // Bytes that are no TLS at all: the handshake fails and the server closes the connection.
        foreach (var (name, garbage) in new[]
        {
            ("a plaintext SIP request", Encoding.UTF8.GetBytes(RawSipClient.Request("OPTIONS", "sip:probe@127.0.0.1", 5061, transport: "TLS"))),
            ("1 KB of random bytes", RandomBytes(new Random(5061), 1024)),
        })
        {
            using var socket = await ConnectFromAsync("127.0.0.1", fixture.TlsEndPoint);
            await SendIgnoringResetAsync(socket, garbage);
            Assert.True(await ClosedByServerAsync(socket, TimeSpan.FromSeconds(12)), $"{name}: the TLS port kept the connection");
            await CaseAsync("TLS: " + name, "closed");
        }

        // A finished handshake followed by silence, or by a trickle: the header timeout runs inside TLS too.
        foreach (bool trickle in new[] { false, true })
        {
            using var tcp = await ConnectFromAsync("127.0.0.1", fixture.TlsEndPoint);
            await using var tls = new SslStream(new NetworkStream(tcp, ownsSocket: false), false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync("localhost");
            var clock = Stopwatch.StartNew();
            if (trickle)
                await tls.WriteAsync("OPT"u8.ToArray());
            int read;
            try
            {
                read = await tls.ReadAsync(new byte[100]).AsTask().WaitAsync(HostileServerFixture.HeaderTimeout + TimeSpan.FromSeconds(3));
            }
            catch (IOException)
            {
                read = 0;
            }
            Assert.Equal(0, read);
            string name = trickle ? "three bytes after the handshake, then silence" : "silence after the handshake";
            await CaseAsync("TLS: " + name, $"closed after {clock.Elapsed.TotalSeconds:F1} s");
        }
        Report();
    }

    [Fact]
    public async Task Garbage_on_every_transport_is_dropped_and_the_server_keeps_serving()
    {
        var random = new Random(20261122);
        using var udp = new RawSipClient("127.0.0.9");
        var server = EndPoint;
        string valid = RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{Server.Port}", udp.LocalPort);
        const int Datagrams = 300;
        for (int i = 0; i < Datagrams; i++)
        {
            byte[] datagram = (i % 4) switch
            {
                0 => RandomBytes(random, random.Next(1, 1400)),
                1 => Encoding.UTF8.GetBytes(valid[..random.Next(1, valid.Length)]),
                2 => Flip(random, Encoding.UTF8.GetBytes(valid)),
                _ => Encoding.UTF8.GetBytes(string.Join("\r\n", valid.Split("\r\n").OrderBy(_ => random.Next()))),
            };
            await udp.SendUdpAsync(server, datagram, TimeSpan.Zero);
        }
        await CaseAsync($"{Datagrams} garbage, cut, bit-flipped and shuffled datagrams", "server unharmed");

        const int Streams = 30;
        for (int i = 0; i < Streams; i++)
        {
            using var tcp = await ConnectFromAsync("127.0.0.10", EndPoint);
            byte[] garbage = i % 2 == 0 ? RandomBytes(random, 2000) : Flip(random, Encoding.UTF8.GetBytes(valid.Replace("UDP", "TCP", StringComparison.Ordinal)));
            await SendIgnoringResetAsync(tcp, garbage);
        }
        await CaseAsync($"{Streams} TCP connections of garbage", "server unharmed");
        fixture.Count(Datagrams + Streams - 2);
        _cases += Datagrams + Streams - 2;
        Report();
    }

    private async Task<(int Answered, int Asked)> NormalClientAsync(CancellationToken stop)
    {
        int asked = 0, answered = 0;
        using var udp = new RawSipClient();
        using var tcp = await ConnectFromAsync("127.0.0.1", EndPoint);
        int tcpPort = ((IPEndPoint)tcp.LocalEndPoint!).Port;
        while (!stop.IsCancellationRequested)
        {
            asked += 2;
            var overUdp = await udp.SendUdpAsync(EndPoint, RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{Server.Port}", udp.LocalPort), TimeSpan.FromSeconds(1));
            await tcp.SendAsync(Encoding.UTF8.GetBytes(RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{Server.Port}", tcpPort, transport: "TCP")), SocketFlags.None);
            var (overTcp, _) = await RawSipClient.ReadTcpAsync(tcp, TimeSpan.FromSeconds(1));
            answered += (overUdp?.StatusCode == 200 ? 1 : 0) + (overTcp?.StatusCode == 200 ? 1 : 0);
            await Task.Delay(100, CancellationToken.None);
        }
        return (answered, asked);
    }

    private static async Task<TimeSpan?> TrickleAsync(Socket socket, TimeSpan every)
    {
        using (socket)
        {
            byte[] text = Encoding.UTF8.GetBytes(RawSipClient.Request("OPTIONS", "sip:probe@127.0.0.1", 5060, transport: "TCP"));
            var clock = Stopwatch.StartNew();
            Task<bool> closed = ClosedByServerAsync(socket, TimeSpan.FromSeconds(10));
            for (int i = 0; i < text.Length && !closed.IsCompleted; i++)
            {
                await SendIgnoringResetAsync(socket, text[i..(i + 1)]);
                await Task.WhenAny(closed, Task.Delay(every));
            }
            return await closed ? clock.Elapsed : null;
        }
    }

    private static async Task<TimeSpan?> ClosedWithinAsync(Socket socket, TimeSpan within)
    {
        using (socket)
        {
            var clock = Stopwatch.StartNew();
            return await ClosedByServerAsync(socket, within) ? clock.Elapsed : null;
        }
    }

    private static async Task<Socket> ConnectFromAsync(string local, IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(local), 0));
        await socket.ConnectAsync(server);
        return socket;
    }

    private async Task<int> TlsOptionsAsync()
    {
        using var tcp = await ConnectFromAsync("127.0.0.1", fixture.TlsEndPoint);
        await using var tls = new SslStream(new NetworkStream(tcp, ownsSocket: false), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
        await tls.WriteAsync(Encoding.UTF8.GetBytes(RawSipClient.Request("OPTIONS", $"sips:probe@127.0.0.1:{Server.TlsPort}", port, transport: "TLS")));
        var buffer = new byte[4096];
        int n = await tls.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        string head = Encoding.UTF8.GetString(buffer, 0, n);
        return head.StartsWith("SIP/2.0 ", StringComparison.Ordinal) ? int.Parse(head[8..11], System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Flip(Random random, byte[] bytes)
    {
        for (int flips = random.Next(1, 9); flips > 0; flips--)
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        return bytes;
    }

    private static string Range(IEnumerable<TimeSpan?> times)
    {
        var seconds = times.OfType<TimeSpan>().Select(t => t.TotalSeconds).ToList();
        return seconds.Count == 0 ? "-" : $"{seconds.Min():F1}–{seconds.Max():F1} s";
    }
}
