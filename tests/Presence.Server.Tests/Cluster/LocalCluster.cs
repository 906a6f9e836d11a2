using System.Net.Http.Json;
using System.Text.Json;
using Presence.Grains.Tests.Storage;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests.Cluster;

/// <summary>
/// An Orleans cluster as real processes on loopback, on one PostgreSQL database the fixture started: silos (users'
/// grains and the HTTP API, no SIP), edges (SIP, no users) and, for a proxy in front, members that do both. Every
/// member runs with the defaults users get: digest authentication on, rate limits on.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private readonly PostgresServer _postgres;
    private readonly string _database;
    private readonly Dictionary<string, ServerProcess> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _roles = new(StringComparer.Ordinal);

    private LocalCluster(PostgresServer postgres, string database, string connectionString)
    {
        _postgres = postgres;
        _database = database;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <summary>The running members that host users (role silo or both), by name.</summary>
    public IReadOnlyDictionary<string, ServerProcess> Silos =>
        _members.Where(m => _roles[m.Key] != "edge").ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);

    /// <summary>The running members that speak SIP (role edge or both), by name.</summary>
    public IReadOnlyDictionary<string, ServerProcess> SipNodes =>
        _members.Where(m => _roles[m.Key] != "silo").ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);

    public ServerProcess this[string name] => _members[name];

    /// <summary>A member with the HTTP API, for provisioning and reading presence.</summary>
    public ServerProcess AnySilo => Silos.Values.First();

    public static async Task<LocalCluster> CreateAsync(PostgresServer postgres)
    {
        var (name, connectionString) = await postgres.CreateDatabaseAsync();
        return new LocalCluster(postgres, name, connectionString);
    }

    public Task<ServerProcess> StartSiloAsync(string name, params string[] extra) =>
        StartAsync(name, "silo", sip: false, [.. Common(name), "--Cluster:Role=silo", .. Store(), .. extra]);

    public Task<ServerProcess> StartEdgeAsync(string name, params string[] extra) =>
        StartAsync(name, "edge", sip: true, [.. Common(name), "--Cluster:Role=edge", .. extra]);

    /// <summary>A member that hosts users and speaks SIP (what a proxy such as Kamailio fronts).</summary>
    public Task<ServerProcess> StartBothAsync(string name, params string[] extra) =>
        StartAsync(name, "both", sip: true, [.. Common(name), "--Cluster:Role=both", .. Store(), .. extra]);

    /// <summary>SIGKILL, as a crash would: no leave, nothing beyond what was acknowledged.</summary>
    public async Task KillAsync(string name)
    {
        var member = _members[name];
        Forget(name);
        await member.DisposeAsync();
    }

    /// <summary>SIGSTOP or SIGCONT: a member frozen as by a long GC pause or a suspended VM, then thawed.</summary>
    public async Task SignalAsync(string name, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", _members[name].ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>SIGTERM, as systemd stops a member: it leaves gracefully. Returns its exit code.</summary>
    public async Task<int> TerminateAsync(string name)
    {
        var member = _members[name];
        int exit = await member.TerminateAsync(TimeSpan.FromSeconds(40));
        Forget(name);
        await member.DisposeAsync();
        return exit;
    }

    /// <summary>Takes a member out of the running set without stopping it (it stopped, or the test stops it itself).</summary>
    public void Forget(string name)
    {
        _members.Remove(name);
        _roles.Remove(name);
    }

    /// <summary>Provisions users through the API, each with the password <see cref="Password"/> gives.</summary>
    public async Task ProvisionAsync(params string[] users)
    {
        using var api = AnySilo.CreateApiClient();
        foreach (string user in users)
        {
            using var created = await api.PostAsJsonAsync("/api/users", new { aor = $"{user}@example.com", password = Password(user) });
            Assert.True(created.StatusCode is System.Net.HttpStatusCode.Created or System.Net.HttpStatusCode.Conflict, $"{user}: {created.StatusCode}");
        }
    }

    public static string Password(string user) => $"secret-of-{user}";

    /// <summary>A user agent for a provisioned user, talking to the SIP node <paramref name="via"/>, with its credentials.</summary>
    public TestUserAgent UserAgent(string user, string via) =>
        new(SipNodes[via].Port, user) { Credentials = (user, Password(user)) };

    /// <summary>The name of the silo the user's grain is on now (it activates there if it was not in memory).</summary>
    public async Task<string> SiloOfAsync(string aor, ServerProcess? ask = null)
    {
        using var api = (ask ?? AnySilo).CreateApiClient();
        var presence = await api.GetFromJsonAsync<JsonElement>($"/api/users/{Uri.EscapeDataString(aor)}/presence");
        return presence.GetProperty("silo").GetString()!;
    }

    /// <summary>GET /api/cluster of one member.</summary>
    public static async Task<JsonElement> DescribeAsync(ServerProcess member)
    {
        using var client = member.CreateApiClient();
        return await client.GetFromJsonAsync<JsonElement>("/api/cluster");
    }

    /// <summary>Write conflicts each running silo's store refused (a second activation caught), from GET /api/cluster.</summary>
    public async Task<long[]> WriteConflictsAsync() =>
        await Task.WhenAll(Silos.Values.Select(async s => (await DescribeAsync(s)).GetProperty("writeConflicts").GetInt64()));

    /// <summary>Waits until every running member with an API sees exactly the running members as active.</summary>
    public async Task WaitForMembersAsync(TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        var expected = _members.Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray();
        while (true)
        {
            bool agreed = true;
            foreach (var silo in Silos.Values)
            {
                try
                {
                    var view = await DescribeAsync(silo);
                    var active = view.GetProperty("members").EnumerateArray()
                        .Where(m => m.GetProperty("status").GetString() == "active")
                        .Select(m => m.GetProperty("silo").GetString()!).OrderBy(n => n, StringComparer.Ordinal).ToArray();
                    agreed &= active.SequenceEqual(expected);
                }
                catch (HttpRequestException)
                {
                    agreed = false;
                }
            }
            if (agreed)
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The members did not agree on [{string.Join(", ", expected)}] in time.");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _members.Values)
            await process.DisposeAsync();
        await _postgres.DropDatabaseAsync(_database);
    }

    private async Task<ServerProcess> StartAsync(string name, string role, bool sip, string[] args)
    {
        var member = await ServerProcess.StartAsync("127.0.0.1", tls: null, auth: true, sip, args);
        _members[name] = member;
        _roles[name] = role;
        return member;
    }

    private string[] Store() => ["--Presence:Store=postgres", $"--Presence:ConnectionString={ConnectionString}"];

    private string[] Common(string name) =>
    [
        "--Cluster:Enabled=true",
        $"--Cluster:SiloName={name}",
        $"--Cluster:ConnectionString={ConnectionString}",
        "--Cluster:AdvertisedAddress=127.0.0.1",
        "--Logging:LogLevel:Default=Information",
    ];
}
