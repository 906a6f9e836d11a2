using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;
using Xunit.Abstractions;

namespace Presence.Server.Tests;

/// <summary>
/// SPEC.md "Bad input": a flood from one source does not starve others. One loopback address sends ten times the
/// rate the server allows it, two others send at a normal rate, for a few seconds; only the first is limited. Bounded:
/// about 2,200 datagrams in 4 s, to 127.0.0.1 only.
/// </summary>
public sealed class SourceFloodTests(ITestOutputHelper output)
{
    private const int Rate = 50;
    private const int Burst = 50;
    private const int NormalRate = 20;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task A_flood_from_one_source_does_not_starve_the_others()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs:
        [
            $"--Sip:RateLimit:RequestsPerSecond={Rate}",
            $"--Sip:RateLimit:Burst={Burst}",
            "--Logging:LogLevel:Default=Information",
        ]);
        var target = new IPEndPoint(IPAddress.Loopback, server.Port);
        // Warm up first (the server's first requests compile its code paths), so the latencies are of a running server.
        using (var warmUp = new RawSipClient())
        {
            for (int i = 0; i < 20; i++)
                Assert.Equal(200, (await warmUp.SendUdpAsync(target, RawSipClient.Request("OPTIONS", $"sip:warm@127.0.0.1:{server.Port}", warmUp.LocalPort)))?.StatusCode);
        }

        Task<Flood> flood = FloodAsync(target, "127.0.0.4", Rate * 10);
        Task<List<double?>> first = NormalAsync(target, "127.0.0.2");
        Task<List<double?>> second = NormalAsync(target, "127.0.0.3");
        Flood f = await flood;
        var normal = new[] { ("127.0.0.2", await first), ("127.0.0.3", await second) };

        int dropped = f.Sent - f.Answers.Values.Sum();
        output.WriteLine($"limit: {Rate} requests/s per source, burst {Burst}");
        output.WriteLine($"127.0.0.4 flooded: {f.Sent} OPTIONS in {f.Seconds:F1} s ({f.Sent / f.Seconds:F0}/s): "
            + $"{f.Answers.GetValueOrDefault(200)} answered 200, {f.Answers.GetValueOrDefault(503)} answered 503 "
            + $"(Retry-After: {string.Join(", ", f.RetryAfter.Distinct())}), {dropped} dropped unanswered");
        foreach (var (source, latencies) in normal)
        {
            var ok = latencies.OfType<double>().Order().ToList();
            output.WriteLine($"{source}: {ok.Count}/{latencies.Count} answered 200 ({100.0 * ok.Count / latencies.Count:F1}%), "
                + $"latency p50 {Percentile(ok, 0.50):F2} ms, p99 {Percentile(ok, 0.99):F2} ms, max {ok.LastOrDefault():F2} ms");
        }

        foreach (var (source, latencies) in normal)
        {
            Assert.True(latencies.Count >= NormalRate * Duration.TotalSeconds / 2, $"{source} sent only {latencies.Count}");
            Assert.True(latencies.Count(l => l is not null) >= 0.99 * latencies.Count, $"{source} was starved");
        }
        // The flooder gets its share (a burst, then the rate) and a 503 for about as many again; the rest is dropped.
        double allowance = Burst + Rate * (f.Seconds + 1);
        Assert.InRange(f.Answers.GetValueOrDefault(200), Rate * Duration.TotalSeconds / 2, allowance);
        Assert.InRange(f.Answers.GetValueOrDefault(503), 1, allowance);
        Assert.True(dropped > f.Sent / 2, $"only {dropped} of {f.Sent} dropped");
        Assert.All(f.RetryAfter, r => Assert.Equal("1", r));
        Assert.Equal(f.Answers.GetValueOrDefault(200) + f.Answers.GetValueOrDefault(503), f.Answers.Values.Sum());
        Assert.Contains("SIP source 127.0.0.4 is over its rate", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("SIP source 127.0.0.2", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("SIP source 127.0.0.3", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_the_rate_a_request_gets_503_then_nothing_and_exempt_sources_are_not_limited()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs:
        [
            "--Sip:RateLimit:RequestsPerSecond=0.2", "--Sip:RateLimit:Burst=1", "--Sip:RateLimit:Exempt:0=127.0.0.8/32",
        ]);
        var target = new IPEndPoint(IPAddress.Loopback, server.Port);
        string Request(RawSipClient c) => RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{server.Port}", c.LocalPort);

        using var limited = new RawSipClient("127.0.0.9");
        Assert.Equal(200, (await limited.SendUdpAsync(target, Request(limited)))?.StatusCode);
        var refused = await limited.SendUdpAsync(target, Request(limited));
        Assert.Equal(503, refused?.StatusCode);
        Assert.Equal("Rate Limit Exceeded", refused!.ReasonPhrase);
        // RFC 3261 §20.33: seconds until one more request is paid for, at 0.2 a second.
        Assert.Equal("5", refused.GetFirst(HeaderId.RetryAfter));
        Assert.Null(await limited.SendUdpAsync(target, Request(limited), TimeSpan.FromMilliseconds(500)));
        // One bucket per source for every transport: over TCP it has nothing left either.
        using (var tcp = Bind("127.0.0.9", SocketType.Stream))
        {
            await tcp.ConnectAsync(target);
            int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            await tcp.SendAsync(Encoding.UTF8.GetBytes(RawSipClient.Request("OPTIONS", $"sip:probe@127.0.0.1:{server.Port}", port, transport: "TCP")), SocketFlags.None);
            Assert.Null((await RawSipClient.ReadTcpAsync(tcp, TimeSpan.FromMilliseconds(500))).Response);
        }

        using var exempt = new RawSipClient("127.0.0.8");
        for (int i = 0; i < 10; i++)
            Assert.Equal(200, (await exempt.SendUdpAsync(target, Request(exempt)))?.StatusCode);
    }

    [Theory]
    [InlineData("--Sip:RateLimit:Exempt:0=not-a-network", "Sip:RateLimit:Exempt 'not-a-network' is not an address or a CIDR block")]
    [InlineData("--Sip:RateLimit:RequestsPerSecond=-1", "Sip:RateLimit:RequestsPerSecond must be 0 (off) or a positive number.")]
    [InlineData("--Sip:RateLimit:Burst=0", "Sip:RateLimit:Burst must be at least 1.")]
    [InlineData("--Sip:HeaderTimeout=00:00:00", "Sip:HeaderTimeout must be positive.")]
    [InlineData("--Sip:MaxConnectionsPerAddress=-1", "Sip:MaxConnectionsPerAddress cannot be negative")]
    public async Task Limits_that_cannot_work_are_refused_at_start(string argument, string message)
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(auth: false, extraArgs: [argument]));
        Assert.Contains("exit code 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    private sealed record Flood(int Sent, double Seconds, ConcurrentDictionary<int, int> Answers, ConcurrentBag<string> RetryAfter);

    /// <summary>Sends <paramref name="perSecond"/> OPTIONS a second for <see cref="Duration"/>, counting the answers by status.</summary>
    private static async Task<Flood> FloodAsync(IPEndPoint target, string from, int perSecond)
    {
        using var socket = Bind(from);
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var answers = new ConcurrentDictionary<int, int>();
        var retryAfter = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        Task receiving = Task.Run(async () =>
        {
            var buffer = new byte[65_536];
            try
            {
                while (true)
                {
                    var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), stop.Token);
                    if (SipParser.Parse(buffer.AsSpan(0, r.ReceivedBytes).ToArray()).Message is { IsResponse: true } response)
                    {
                        answers.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
                        if (response.StatusCode == 503)
                            retryAfter.Add(response.GetFirst(HeaderId.RetryAfter) ?? "none");
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        var clock = Stopwatch.StartNew();
        int sent = 0;
        while (clock.Elapsed < Duration)
        {
            // Paced by the clock, in small batches: Task.Delay cannot wait 2 ms precisely, the average stays right.
            int due = (int)(clock.Elapsed.TotalSeconds * perSecond);
            for (; sent < due; sent++)
                await socket.SendToAsync(Options(target, port, "flood"), SocketFlags.None, target);
            await Task.Delay(5);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        await receiving;
        return new Flood(sent, seconds, answers, retryAfter);
    }

    /// <summary>
    /// A well-behaved client: one OPTIONS at a time, <see cref="NormalRate"/> a second, retransmitted like RFC 3261
    /// timer E (0.5 s, then 1 s) for up to 2 s. The latency of each in ms, or null when no 200 came.
    /// </summary>
    private static async Task<List<double?>> NormalAsync(IPEndPoint target, string from)
    {
        using var socket = Bind(from);
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var latencies = new List<double?>();
        var clock = Stopwatch.StartNew();
        var buffer = new byte[65_536];
        while (clock.Elapsed < Duration)
        {
            string branch = "z9hG4bK" + Guid.NewGuid().ToString("N")[..16];
            byte[] request = Options(target, port, "normal", branch);
            long start = Stopwatch.GetTimestamp();
            double? latency = null;
            TimeSpan retransmit = TimeSpan.FromMilliseconds(500);
            await socket.SendToAsync(request, SocketFlags.None, target);
            while (latency is null && Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(2))
            {
                using var wait = new CancellationTokenSource(retransmit);
                try
                {
                    var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), wait.Token);
                    var response = SipParser.Parse(buffer.AsSpan(0, r.ReceivedBytes).ToArray()).Message;
                    if (response is { IsResponse: true, StatusCode: >= 200 } && response.TopVia?.Branch == branch)
                    {
                        if (response.StatusCode != 200)
                            break;
                        latency = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    }
                }
                catch (OperationCanceledException)
                {
                    await socket.SendToAsync(request, SocketFlags.None, target);
                    retransmit *= 2;
                }
            }
            latencies.Add(latency);
            TimeSpan next = TimeSpan.FromSeconds((double)latencies.Count / NormalRate);
            if (next > clock.Elapsed)
                await Task.Delay(next - clock.Elapsed);
        }
        return latencies;
    }

    private static Socket Bind(string address, SocketType type = SocketType.Dgram)
    {
        var socket = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
        return socket;
    }

    private static byte[] Options(IPEndPoint target, int port, string user, string? branch = null) =>
        Encoding.UTF8.GetBytes(RawSipClient.Request("OPTIONS", $"sip:{user}@127.0.0.1:{target.Port}", port, branch));

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
