using System.Net;
using Presence.LoadGen;
using Presence.LoadGen.Cli;
using Presence.LoadGen.Report;
using Presence.LoadGen.Seeding;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Transport;

namespace Presence.Server.Tests;

/// <summary>
/// The load generator (benchmarks/Presence.LoadGen) against the real server: each workload briefly, with few users,
/// must finish by itself with no error and every NOTIFY it caused traced back to its change. No timing is asserted:
/// this keeps the tool working, the benchmarks measure.
/// </summary>
public sealed class LoadGenSmokeTests
{
    [Fact]
    public async Task Every_workload_completes_without_errors_and_matches_its_NOTIFYs()
    {
        // As for any load run: no per-address rate limit. And Debug logging of every request (the test servers'
        // default) would be the bottleneck.
        await using var server = await ServerProcess.StartAsync(auth: false,
            extraArgs: ["--Sip:RateLimit:Enabled=false", "--Logging:LogLevel:Default=Information"]);
        string results = Directory.CreateTempSubdirectory("loadgen-smoke-").FullName;
        var common = new LoadOptions
        {
            Server = new IPEndPoint(IPAddress.Loopback, server.Port),
            Duration = TimeSpan.FromSeconds(1.5),
            NotifyTimeout = TimeSpan.FromSeconds(5),
            SetupTimeout = TimeSpan.FromSeconds(20),
            Progress = ProgressMode.None,
            UsersPerSocket = 10,
        };
        LoadOptions[] runs =
        [
            common with { Workload = WorkloadKind.Register, Users = 40, Watchers = 2, Concurrency = 10 },
            common with { Workload = WorkloadKind.Subscribe, Users = 30, Watchers = 4, Concurrency = 10 },
            common with { Workload = WorkloadKind.Steady, Users = 30, ContactsMin = 4, ContactsMax = 8, DocumentSize = 4096, Rate = 20 },
            common with { Workload = WorkloadKind.Fanout, FanoutWatchers = [1, 10, 40], PresentitiesPerGroup = 1, Rate = 15 },
            common with { Workload = WorkloadKind.Fanout, FanoutWatchers = [1, 10], PresentitiesPerGroup = 2, Concurrency = 2, Transport = SipTransportKind.Tcp },
        ];
        foreach (LoadOptions options in runs)
        {
            RunResult result = await LoadRun.RunAsync(options);
            string what = $"{result.Workload} over {options.Transport}";
            Assert.True(result.Passed, $"{what}: {string.Join("; ", result.ErrorSummary)}");
            Assert.True(result.Changes.Started > 0, what + " sent no change");
            Assert.True(result.Notifies.Matched > 0, what + " matched no NOTIFY");
            Assert.Equal(result.Notifies.Expected, result.Notifies.Matched);
            Assert.Equal(result.Notifies.Matched, result.ChangeToNotify.Count);
            var (json, markdown) = ResultFiles.Write(result, results);
            Assert.Contains("\"changeToNotify\"", File.ReadAllText(json), StringComparison.Ordinal);
            Assert.Contains("## Change → NOTIFY", File.ReadAllText(markdown), StringComparison.Ordinal);
        }
        Directory.Delete(results, recursive: true);
    }

    [Fact]
    public async Task A_seeded_run_finds_every_seeded_subscription_and_matches_its_NOTIFYs()
    {
        // The capacity benchmark's path: `seed` writes users and their watchers' subscriptions into a new store, the
        // server starts on it, and the seeded run's PUBLISHes reach watchers the server only knows from its disk.
        string work = Directory.CreateTempSubdirectory("loadgen-seeded-").FullName;
        string store = Path.Combine(work, "presence.db");
        var options = new LoadOptions
        {
            Workload = WorkloadKind.Seeded, Users = 300, Watchers = 6, UsersPerSocket = 10, RunId = "smoke", LocalPort = FreePort(),
            LocalAddress = IPAddress.Parse("127.0.9.1"), StorePath = store, Rate = 40, Duration = TimeSpan.FromSeconds(2),
            Warmup = TimeSpan.FromSeconds(0.5), NotifyTimeout = TimeSpan.FromSeconds(5), Progress = ProgressMode.None,
        };
        var seeded = await StoreSeeder.SeedAsync(options, _ => { });
        Assert.Equal(300 * 6, seeded.Subscriptions);
        // A second seed into the same file is refused: it would mix two layouts.
        await Assert.ThrowsAsync<ArgumentException>(() => StoreSeeder.SeedAsync(options, _ => { }));

        await using var server = await ServerProcess.StartAsync(auth: false,
            extraArgs: ["--Sip:RateLimit:Enabled=false", "--Logging:LogLevel:Default=Information", $"--Presence:DatabasePath={store}"]);
        RunResult result = await LoadRun.RunAsync(options with { Server = new IPEndPoint(IPAddress.Loopback, server.Port) });
        Assert.True(result.Passed, string.Join("; ", result.ErrorSummary));
        Assert.True(result.Changes.Started >= 40, $"only {result.Changes.Started} changes");
        // Every PUBLISH owed one NOTIFY per seeded watcher, and nothing else came: no activation re-sent a document.
        Assert.Equal(result.Changes.Started * 6, result.Notifies.Expected);
        Assert.Equal(result.Notifies.Expected, result.Notifies.Matched);
        Assert.Equal(result.Notifies.Matched, result.Notifies.Received);
        // The warm-up's changes were delivered but are not in the latencies.
        Assert.InRange(result.ChangeToNotify.Count, 1, result.Notifies.Matched - 1);
        Directory.Delete(work, recursive: true);
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Parse("127.0.9.1"), 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    [Theory]
    [InlineData("10.0.0.5:5060")]
    [InlineData("192.168.1.10")]
    [InlineData("[2001:db8::1]:5060")]
    [InlineData("example.com:5060")]
    public void Targets_off_this_machine_are_refused(string server)
    {
        var parsed = CommandLine.Parse(["fanout", "--server", server]);
        Assert.Null(parsed.Options);
        Assert.NotNull(parsed.Error);
        Assert.Contains("--server", parsed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_refuses_a_non_loopback_server_before_sending_anything()
    {
        var options = new LoadOptions { Workload = WorkloadKind.Fanout, Server = new IPEndPoint(IPAddress.Parse("10.1.2.3"), 5060) };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => LoadRun.RunAsync(options));
        Assert.Contains("loopback", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", 0, "127.0.0.1")]
    [InlineData("127.0.0.1", 5, "127.0.0.6")]
    [InlineData("127.0.0.250", 10, "127.0.1.4")]
    [InlineData("127.255.255.250", 4, "127.255.255.254")]
    [InlineData("127.255.255.250", 5, null)]
    [InlineData("10.0.0.1", 0, null)]
    [InlineData("::1", 0, "::1")]
    [InlineData("::1", 1, null)]
    public void Sockets_spread_over_loopback_addresses_only(string first, int offset, string? expected)
    {
        Assert.Equal(expected, LoopbackTarget.Spread(IPAddress.Parse(first), offset)?.ToString());
    }

    [Fact]
    public void The_command_line_of_the_issue_reads()
    {
        var parsed = CommandLine.Parse(["fanout", "--server", "127.0.0.1:5060", "--watchers", "1,10,40,200", "--duration", "30s", "--out", "results/"]);
        Assert.Null(parsed.Error);
        var options = parsed.Options!.Resolve();
        Assert.Equal([1, 10, 40, 200], options.FanoutWatchers);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Duration);
        Assert.Equal("results/", options.OutputDirectory);
        Assert.Null(options.Validate());
    }
}
