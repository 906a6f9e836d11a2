using System.Net.Http.Json;
using System.Text.Json;
using Presence.Cluster.Runtime;
using Presence.Cluster.Tests.Storage;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Cluster;

/// <summary>
/// Silos (and edges) as real processes on loopback, sharing one PostgreSQL database the fixture started.
/// Knows the ring the way the silos compute it, so a test can say which silo owns a user.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private readonly PostgresServer _postgres;
    private readonly string _database;
    private readonly Dictionary<string, ServerProcess> _silos = new(StringComparer.Ordinal);
    private readonly List<ServerProcess> _edges = [];

    private LocalCluster(PostgresServer postgres, string database, string connectionString)
    {
        _postgres = postgres;
        _database = database;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public IReadOnlyDictionary<string, ServerProcess> Silos => _silos;

    public IReadOnlyList<ServerProcess> Edges => _edges;

    public static async Task<LocalCluster> CreateAsync(PostgresServer postgres)
    {
        var (name, connectionString) = await postgres.CreateDatabaseAsync();
        return new LocalCluster(postgres, name, connectionString);
    }

    public async Task<ServerProcess> StartSiloAsync(string name)
    {
        var silo = await ServerProcess.StartAsync("127.0.0.1", extraArgs: SiloArgs(name));
        _silos[name] = silo;
        return silo;
    }

    public async Task<ServerProcess> StartEdgeAsync(string name)
    {
        var edge = await ServerProcess.StartAsync("127.0.0.1", extraArgs: [.. CommonArgs(name), "--Cluster:Role=edge"]);
        _edges.Add(edge);
        return edge;
    }

    /// <summary>SIGKILL, as a crash would: no leave, no flush beyond what was acknowledged.</summary>
    public async Task KillAsync(string name)
    {
        var silo = _silos[name];
        _silos.Remove(name);
        // DisposeAsync is a SIGKILL of the process tree.
        await silo.DisposeAsync();
    }

    /// <summary>SIGSTOP or SIGCONT: a silo frozen as by a long GC pause or a suspended VM, then thawed.</summary>
    public async Task SignalAsync(string name, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", _silos[name].ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Starts a killed silo again under the same name (a new incarnation, the same share of the ring).</summary>
    public Task<ServerProcess> RestartAsync(string name) => StartSiloAsync(name);

    /// <summary>The silo that owns the user in a ring of <paramref name="names"/> (default: the silos running now).</summary>
    public string OwnerOf(string aor, IEnumerable<string>? names = null)
    {
        var candidates = (names ?? _silos.Keys).OrderBy(n => n, StringComparer.Ordinal).ToList();
        return candidates[RendezvousHash.Choose(PartitionHash.PartitionOf(aor, 4096), candidates)];
    }

    /// <summary>
    /// Sends a request about <paramref name="aor"/> to the silo that owns it, as an edge would; a 503 (the ring is
    /// moving, or a dead owner not yet declared) or no answer is tried again on the owner of the ring of the silos
    /// still running, for up to <paramref name="within"/>. Returns the first answer that is not 503.
    /// </summary>
    public async Task<SipMessage> SendToOwnerAsync(
        TestUserAgent ua, string aor, Func<TestUserAgent, Task<SipMessage>> send, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        var attempt = 0;
        while (true)
        {
            var names = _silos.Keys.ToList();
            // Mostly the expected owner; every third try another silo, in case this view of the ring is behind.
            var name = attempt++ % 3 == 2 ? names[attempt % names.Count] : OwnerOf(aor);
            ua.ServerPort = _silos[name].Port;
            try
            {
                var response = await send(ua);
                if (response.StatusCode != 503)
                    return response;
            }
            catch (TimeoutException)
            {
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"No silo served {aor} in time.");
            await Task.Delay(100);
        }
    }

    /// <summary>Stale writes each running silo's store refused (a second owner caught), from GET /api/cluster.</summary>
    public async Task<long[]> WriteConflictsAsync() =>
        await Task.WhenAll(_silos.Values.Select(async s => (await DescribeAsync(s)).GetProperty("writeConflicts").GetInt64()));

    /// <summary>GET /api/cluster of one member.</summary>
    public static async Task<JsonElement> DescribeAsync(ServerProcess member)
    {
        using var client = member.CreateApiClient();
        return await client.GetFromJsonAsync<JsonElement>("/api/cluster");
    }

    /// <summary>Waits until every running member sees exactly the running silos as active, each with its share.</summary>
    public async Task WaitForRingAsync(TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        var expected = _silos.Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray();
        while (true)
        {
            var agreed = true;
            foreach (var edge in _edges)
            {
                using var client = new HttpClient { BaseAddress = edge.HttpBase };
                var health = await client.GetFromJsonAsync<JsonElement>("/health");
                var silos = health.GetProperty("silos").EnumerateArray().Select(e => e.GetString()!).OrderBy(n => n, StringComparer.Ordinal);
                agreed &= silos.SequenceEqual(expected);
            }
            foreach (var member in _silos.Values)
            {
                var view = await DescribeAsync(member);
                var active = view.GetProperty("members").EnumerateArray()
                    .Where(m => m.GetProperty("role").GetString() == "silo" && m.GetProperty("status").GetString() == "active")
                    .Select(m => m.GetProperty("silo").GetString()!).OrderBy(n => n, StringComparer.Ordinal).ToArray();
                agreed &= active.SequenceEqual(expected) && view.GetProperty("pendingHandovers").GetInt32() == 0;
            }
            if (agreed)
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The members did not agree on the ring [{string.Join(", ", expected)}] in time.");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _silos.Values.Concat(_edges))
            await process.DisposeAsync();
        await _postgres.DropDatabaseAsync(_database);
    }

    private string[] SiloArgs(string name) =>
        [.. CommonArgs(name), "--Cluster:Role=silo", "--Presence:Store=postgres", $"--Presence:ConnectionString={ConnectionString}"];

    private string[] CommonArgs(string name) =>
    [
        "--Cluster:Enabled=true",
        $"--Cluster:SiloName={name}",
        $"--Cluster:ConnectionString={ConnectionString}",
        // Rate limits stay on: members are exempt from each other's (ClusterPeers), which the load tests rely on.
        "--Logging:LogLevel:Default=Information",
    ];
}
