using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests;

/// <summary>Orleans' own dashboard: off by default, and when on, only for the operator's token (as an HTTP Basic password).</summary>
public sealed class OrleansDashboardTests
{
    private const string ReadToken = "read-token-9876543210";

    [Fact]
    public async Task Off_by_default()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        using var client = new HttpClient { BaseAddress = server.HttpBase };
        client.DefaultRequestHeaders.Authorization = Basic(ServerProcess.ApiToken);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/orleans/")).StatusCode);
    }

    [Fact]
    public async Task On_it_answers_the_operators_token_only_and_shows_the_silo_and_the_users_grains()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs: ["--OrleansDashboard:Enabled=true", $"--Http:ReadToken={ReadToken}"]);
        await using (var alice = new TestUserAgent(server.Port, "alice"))
            Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
        using var client = new HttpClient { BaseAddress = server.HttpBase };

        using (var anonymous = await client.GetAsync("/orleans/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            // The browser's own prompt asks for it.
            Assert.StartsWith("Basic realm=", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
        foreach (var wrong in new[] { Basic(ReadToken), Basic("not-the-token"), new AuthenticationHeaderValue("Bearer", ReadToken) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/orleans/DashboardCounters") { Headers = { Authorization = wrong } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(request)).StatusCode);
        }

        client.DefaultRequestHeaders.Authorization = Basic(ServerProcess.ApiToken);
        using (var page = await client.GetAsync("/orleans/"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }
        // Its counters name this silo, and Alice's grain is among the activations.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var counters = JsonDocument.Parse(await client.GetStringAsync("/orleans/DashboardCounters"));
            var hosts = counters.RootElement.GetProperty("hosts").EnumerateArray().ToList();
            string stats = counters.RootElement.GetProperty("simpleGrainStats").ToString();
            if (hosts.Count == 1 && hosts[0].GetProperty("status").GetString() == "Active" && stats.Contains("PresentityGrain", StringComparison.Ordinal))
                break;
            Assert.True(DateTime.UtcNow < deadline, counters.RootElement.ToString());
            await Task.Delay(500);
        }
    }

    private static AuthenticationHeaderValue Basic(string token) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:" + token)));
}
