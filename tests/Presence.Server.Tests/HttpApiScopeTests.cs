using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests;

/// <summary>The API's two scopes: the operator's token may do everything, the integrator's read-only token only GET.</summary>
public sealed class HttpApiScopeTests
{
    private const string ReadToken = "read-token-9876543210";

    [Fact]
    public async Task The_read_token_reads_everything_and_changes_nothing()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs: [$"--Http:ReadToken={ReadToken}"]);
        using var operatorApi = server.CreateApiClient();
        Assert.Equal(HttpStatusCode.Created, (await operatorApi.PostAsJsonAsync("/api/users", new { aor = "alice@example.com", password = "correct-horse" })).StatusCode);
        using var reader = new HttpClient { BaseAddress = server.HttpBase };
        reader.DefaultRequestHeaders.Authorization = new("Bearer", ReadToken);

        foreach (string path in new[]
        {
            "/api/users/alice@example.com/presence", "/api/users/alice@example.com/presence.pidf",
            "/api/users/alice@example.com/history", "/api/users", "/api/users/alice@example.com",
        })
            Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync(path)).StatusCode);
        using (var stream = await reader.GetAsync("/api/users/alice@example.com/stream", HttpCompletionOption.ResponseHeadersRead))
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);

        var refused = new Dictionary<string, HttpResponseMessage>
        {
            ["PUT dnd"] = await reader.PutAsJsonAsync("/api/users/alice@example.com/dnd", new { comment = "not yours to set" }),
            ["DELETE dnd"] = await reader.DeleteAsync("/api/users/alice@example.com/dnd"),
            ["PUT alternative-contacts"] = await reader.PutAsJsonAsync("/api/users/alice@example.com/alternative-contacts", new[] { new { uri = "tel:+15551234567", priority = 0.5 } }),
            ["PUT voicemail"] = await reader.PutAsJsonAsync("/api/users/alice@example.com/voicemail", new { uri = "sip:vm@example.com" }),
            ["DELETE voicemail"] = await reader.DeleteAsync("/api/users/alice@example.com/voicemail"),
            ["POST users"] = await reader.PostAsJsonAsync("/api/users", new { aor = "mallory@example.com", password = "correct-horse" }),
            ["PUT password"] = await reader.PutAsJsonAsync("/api/users/alice@example.com/password", new { password = "battery-staple" }),
            ["POST disable"] = await reader.PostAsync("/api/users/alice@example.com/disable", null),
            ["POST enable"] = await reader.PostAsync("/api/users/alice@example.com/enable", null),
        };
        foreach (var (call, response) in refused)
        {
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{call}: {response.StatusCode}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Contains("only read", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal("Bearer error=\"insufficient_scope\"", response.Headers.WwwAuthenticate.ToString());
        }

        // Nothing the read token tried took effect.
        using var presence = JsonDocument.Parse(await operatorApi.GetStringAsync("/api/users/alice@example.com/presence"));
        Assert.False(presence.RootElement.GetProperty("doNotDisturb").GetProperty("active").GetBoolean());
        Assert.Equal(JsonValueKind.Null, presence.RootElement.GetProperty("voicemail").ValueKind);
        Assert.Equal(0, presence.RootElement.GetProperty("alternativeContacts").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await operatorApi.GetAsync("/api/users/mallory@example.com")).StatusCode);
        using var alice = JsonDocument.Parse(await operatorApi.GetStringAsync("/api/users/alice@example.com"));
        Assert.False(alice.RootElement.GetProperty("disabled").GetBoolean());
    }

    [Fact]
    public async Task The_operator_token_still_changes_everything_and_bad_tokens_get_401()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs: [$"--Http:ReadToken={ReadToken}"]);
        using var operatorApi = server.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await operatorApi.PutAsJsonAsync("/api/users/alice@example.com/dnd", new { comment = "Lunch" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await operatorApi.PostAsJsonAsync("/api/users", new { aor = "bob@example.com", password = "correct-horse" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorApi.PostAsync("/api/users/bob@example.com/disable", null)).StatusCode);

        using var client = new HttpClient { BaseAddress = server.HttpBase };
        foreach (string? token in new[] { null, "wrong", ReadToken + "x", ReadToken[..^1] })
        {
            client.DefaultRequestHeaders.Authorization = token is null ? null : new("Bearer", token);
            var read = await client.GetAsync("/api/users/alice@example.com/presence");
            var write = await client.DeleteAsync("/api/users/alice@example.com/dnd");
            Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
            Assert.Equal("Bearer", read.Headers.WwwAuthenticate.ToString());
        }
    }

    [Theory]
    [InlineData(ServerProcess.ApiToken, "Http:ReadToken must differ from Http:Token")]
    [InlineData("two words", "Http:ReadToken may only hold")]
    public async Task A_read_token_that_cannot_work_is_refused_at_start(string readToken, string message)
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(auth: false, extraArgs: [$"--Http:ReadToken={readToken}"]));
        Assert.Contains("exit code 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}
