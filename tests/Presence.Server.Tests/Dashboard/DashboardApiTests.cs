using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Presence.Grains.Tests.Storage;
using Presence.Server.Tests.Cluster;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests.Dashboard;

/// <summary>GET /dashboard and GET /api/dashboard of a real server process, over HTTP.</summary>
public sealed class DashboardApiTests
{
    private const string ReadToken = "read-token-9876543210";

    [Fact]
    public async Task The_page_needs_no_token_and_may_load_only_its_own_script_and_style()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        using var anonymous = new HttpClient { BaseAddress = server.HttpBase };

        var page = await anonymous.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string csp = string.Join(" ", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("no-referrer", Assert.Single(page.Headers.GetValues("Referrer-Policy")));
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/dashboard/dashboard.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal); // no inline script for the policy to refuse

        Assert.Equal("text/javascript", (await anonymous.GetAsync("/dashboard/dashboard.js")).Content.Headers.ContentType?.MediaType);
        Assert.Equal("text/css", (await anonymous.GetAsync("/dashboard/dashboard.css")).Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/dashboard/secrets.json")).StatusCode);
        // The data is not the page's: it needs the token.
        var data = await anonymous.GetAsync("/api/dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, data.StatusCode);
    }

    [Fact]
    public async Task The_read_token_gets_this_members_totals_rates_and_latest_changes()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs: [$"--Http:ReadToken={ReadToken}"]);
        using var reader = new HttpClient { BaseAddress = server.HttpBase };
        reader.DefaultRequestHeaders.Authorization = new("Bearer", ReadToken);
        var before = await reader.GetFromJsonAsync<JsonElement>("/api/dashboard");
        Assert.False(before.GetProperty("clustered").GetBoolean());
        var member = Assert.Single(before.GetProperty("members").EnumerateArray().ToList());
        Assert.True(member.GetProperty("self").GetBoolean());
        Assert.Equal("both", member.GetProperty("role").GetString());

        await using var alice = new TestUserAgent(server.Port, "alice");
        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        Assert.Equal(200, (await alice.PublishAsync("application/pidf+xml", ClusterTests.Document(alice.Aor, "Dentist, back at 2"))).StatusCode);
        await Task.Delay(DashboardSamplerInterval);

        var after = await reader.GetFromJsonAsync<JsonElement>("/api/dashboard?history=true");
        var silo = Assert.Single(after.GetProperty("silos").EnumerateArray().ToList());
        Assert.True(silo.GetProperty("reachable").GetBoolean());
        var totals = silo.GetProperty("totals");
        Assert.Equal(1, totals.GetProperty("usersActive").GetInt64());
        Assert.Equal(1, totals.GetProperty("registrations").GetInt64());
        Assert.Equal(1, totals.GetProperty("requestsByMethod").GetProperty("REGISTER").GetInt64());
        Assert.Equal(1, totals.GetProperty("requestsByMethod").GetProperty("PUBLISH").GetInt64());
        Assert.Equal(0, totals.GetProperty("errors").GetInt64());
        // The two requests fell between the two calls, so the one rate point counts them.
        var rate = Assert.Single(silo.GetProperty("rates").EnumerateArray().ToList());
        Assert.InRange(rate.GetProperty("requests").GetDouble(), 0.1, 2.5);

        var newest = after.GetProperty("changes")[0];
        Assert.Equal("sip:alice@example.com", newest.GetProperty("aor").GetString());
        Assert.Equal("donotdisturb", newest.GetProperty("status").GetString());
        Assert.Equal("Dentist, back at 2", newest.GetProperty("note").GetString());
    }

    private static readonly TimeSpan DashboardSamplerInterval = global::Presence.Server.Dashboard.DashboardSampler.MinInterval + TimeSpan.FromMilliseconds(200);
}

/// <summary>One dashboard for the whole cluster: any silo gathers every member's figures (the edge's SIP traffic too) and changes.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DashboardClusterTests(PostgresServer postgres)
{
    [Fact]
    public async Task Any_silo_shows_every_member_with_its_figures_and_the_changes_of_users_on_other_silos()
    {
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await Task.WhenAll(cluster.StartSiloAsync("silo1"), cluster.StartSiloAsync("silo2"), cluster.StartEdgeAsync("edge1"));
        await cluster.WaitForMembersAsync();
        await cluster.ProvisionAsync("bob");
        await using (var ua = cluster.UserAgent("bob", "edge1"))
        {
            Assert.Equal(200, (await ua.RegisterAsync()).StatusCode);
            Assert.Equal(200, (await ua.PublishAsync("application/pidf+xml", ClusterTests.Document(ua.Aor, "Working from the other silo"))).StatusCode);
        }
        string home = await cluster.SiloOfAsync("sip:bob@example.com");
        string other = home == "silo1" ? "silo2" : "silo1";

        using var api = cluster[other].CreateApiClient();
        var board = await api.GetFromJsonAsync<JsonElement>("/api/dashboard?history=true");
        Assert.True(board.GetProperty("clustered").GetBoolean());
        Assert.Equal(other, board.GetProperty("self").GetString());
        var members = board.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(["edge1:edge", "silo1:silo", "silo2:silo"], members.Select(m => $"{m.GetProperty("silo").GetString()}:{m.GetProperty("role").GetString()}").Order());
        Assert.All(members, m => Assert.Equal("active", m.GetProperty("status").GetString()));

        var silos = board.GetProperty("silos").EnumerateArray().ToDictionary(s => s.GetProperty("silo").GetString()!);
        Assert.Equal(3, silos.Count);
        Assert.All(silos.Values, s => Assert.True(s.GetProperty("reachable").GetBoolean(), s.ToString()));
        Assert.True(silos[other].GetProperty("self").GetBoolean());
        // Bob's grain is on his home silo: its gauges count his registration; the edge counted his SIP requests.
        Assert.Equal(1, silos[home].GetProperty("totals").GetProperty("registrations").GetInt64());
        // (Two PUBLISHes: the one the edge challenged, and the one with credentials.)
        Assert.Equal(2, silos["edge1"].GetProperty("totals").GetProperty("requestsByMethod").GetProperty("PUBLISH").GetInt64());

        var change = board.GetProperty("changes").EnumerateArray().First(c => c.GetProperty("aor").GetString() == "sip:bob@example.com");
        Assert.Equal(home, change.GetProperty("silo").GetString());
        Assert.Equal("Working from the other silo", change.GetProperty("note").GetString());

        // A member that stops answering is shown as such, and the page still gets the rest.
        await cluster.KillAsync(home);
        var without = await api.GetFromJsonAsync<JsonElement>("/api/dashboard");
        var gone = without.GetProperty("silos").EnumerateArray().FirstOrDefault(s => s.GetProperty("silo").GetString() == home);
        if (gone.ValueKind != JsonValueKind.Undefined)
        {
            Assert.False(gone.GetProperty("reachable").GetBoolean());
            Assert.False(string.IsNullOrEmpty(gone.GetProperty("error").GetString()));
        }
        Assert.True(without.GetProperty("silos")[0].GetProperty("reachable").GetBoolean());
    }
}
