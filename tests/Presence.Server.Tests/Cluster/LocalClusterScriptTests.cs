using System.Diagnostics;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests.Cluster;

/// <summary>
/// cluster-config/local-cluster.sh, as an operator runs it: PostgreSQL, two silos and an edge of one Orleans cluster,
/// a user provisioned and served through the edge with digest on, then everything stopped cleanly.
/// </summary>
public sealed class LocalClusterScriptTests
{
    [Fact]
    public async Task The_local_cluster_script_starts_a_cluster_that_serves_through_its_edge_and_stops_it_cleanly()
    {
        var root = Repository.Root;
        var directory = Path.Combine(Path.GetTempPath(), "presence-lc-" + Guid.NewGuid().ToString("N")[..8]);
        int edgePort = ServerProcess.FreePort("127.0.0.1"), siloPort = FreeBase([1, 2, 51]), httpPort = FreeBase([1, 2, 51]);
        var environment = new Dictionary<string, string>
        {
            ["CLUSTER_DIR"] = directory,
            ["EDGE_PORT"] = edgePort.ToString(),
            ["SILO_PORT"] = siloPort.ToString(),
            ["HTTP_PORT"] = httpPort.ToString(),
            ["PG_PORT"] = ServerProcess.FreePort("127.0.0.1").ToString(),
            ["SERVER_DLL"] = Path.Combine(AppContext.BaseDirectory, "Presence.Server.dll"),
        };
        var script = Path.Combine(root, "cluster-config", "local-cluster.sh");
        try
        {
            var (code, output) = await RunAsync(script, ["start", "2", "1"], environment, TimeSpan.FromMinutes(3));
            Assert.True(code == 0, output);
            Assert.Contains("Cluster up.", output, StringComparison.Ordinal);

            // Each member's pid file, where an operator's tooling finds it.
            foreach (var member in new[] { "silo1", "silo2", "edge1" })
                Assert.True(File.Exists(Path.Combine(directory, "pids", member)), $"no pid file for {member}");

            // Users provisioned through a silo's API, then a user and a watcher through the edge, with their passwords.
            using (var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort + 1}") })
            {
                api.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(Path.Combine(directory, "api-token")).Trim());
                foreach (var user in new[] { "alice", "bob" })
                {
                    using var created = await api.PostAsync("/api/users", new StringContent(
                        $"{{\"aor\": \"{user}@example.com\", \"password\": \"{LocalCluster.Password(user)}\"}}", System.Text.Encoding.UTF8, "application/json"));
                    Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
                }
            }
            await using var alice = new TestUserAgent(edgePort, "alice") { Credentials = ("alice", LocalCluster.Password("alice")) };
            await using var bob = new TestUserAgent(edgePort, "bob") { Credentials = ("bob", LocalCluster.Password("bob")) };
            await Eventually(async () => (await alice.RegisterAsync()).StatusCode == 200);
            Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor)).StatusCode);
            Assert.Equal(200, (await alice.PublishAsync("application/pidf+xml", ClusterTests.Document(alice.Aor, "via the script"))).StatusCode);
            await ClusterTests.NotifyWithNoteAsync(bob, "via the script");
            // Members run in their own directories, yet read the appsettings.json installed beside the server: its log
            // levels hold (else Orleans' placement logs two Polly lines at Information for every user the edge places).
            string edgeLog = await File.ReadAllTextAsync(Path.Combine(directory, "logs", "edge1.log"));
            Assert.Contains("Orleans.Runtime.Silo", edgeLog, StringComparison.Ordinal);
            Assert.DoesNotContain("info: Polly", edgeLog, StringComparison.Ordinal);

            var (statusCode, status) = await RunAsync(script, ["status"], environment, TimeSpan.FromSeconds(30));
            Assert.True(statusCode == 0, status);
            Assert.Contains("\"clustered\":true", status, StringComparison.Ordinal);
        }
        finally
        {
            var (code, output) = await RunAsync(script, ["stop"], environment, TimeSpan.FromMinutes(2));
            Assert.True(code == 0, output);
            Assert.Contains("silo1 stopped", output, StringComparison.Ordinal);
            Assert.Contains("PostgreSQL stopped", output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(directory), "the script left its directory behind");
        }
    }

    // A base port whose every offset is free (the script numbers members' ports from it).
    private static int FreeBase(int[] offsets)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = 21000 + Random.Shared.Next(0, 20000);
            if (offsets.All(o => IsFree(port + o)))
                return port;
        }
        throw new InvalidOperationException("No free ports.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var udp = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
            var tcp = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            tcp.Start();
            tcp.Stop();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the cluster did not serve in time");
            await Task.Delay(200);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string script, string[] args, Dictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"local-cluster.sh {string.Join(' ', args)} did not finish in {timeout}.");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
