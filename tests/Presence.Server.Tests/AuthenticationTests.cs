using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests;

/// <summary>Digest authentication (RFC 3261 §22, RFC 7616) and user provisioning, with authentication on.</summary>
public sealed class AuthenticationTests
{
    private static async Task ProvisionAsync(ServerProcess server, string aor, string password)
    {
        using var api = server.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/users", new { aor, password });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task Unauthenticated_requests_are_challenged_with_sha256_first_then_md5()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        await using var alice = new TestUserAgent(server.Port, "alice");
        foreach (var response in new[]
        {
            await alice.RegisterAsync(),
            await alice.PublishAsync("application/pidf+xml", "<presence/>"),
            await alice.SubscribeAsync("sip:bob@example.com"),
        })
        {
            Assert.Equal(401, response.StatusCode);
            var challenges = response.GetFields(HeaderId.WwwAuthenticate).ToList();
            Assert.Equal(2, challenges.Count);
            Assert.Contains("algorithm=SHA-256", challenges[0], StringComparison.Ordinal);
            Assert.Contains("algorithm=MD5", challenges[1], StringComparison.Ordinal);
            Assert.Contains("realm=\"example.com\"", challenges[0], StringComparison.Ordinal);
            Assert.Contains("qop=\"auth\"", challenges[0], StringComparison.Ordinal);
        }
        // OPTIONS, INVITE and MESSAGE are not challenged: they only ask where a user is reachable.
        Assert.Equal(480, (await alice.InviteAsync("sip:bob@example.com")).StatusCode);
    }

    [Fact]
    public async Task A_provisioned_user_registers_with_sha256_and_a_wrong_password_is_refused()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        await ProvisionAsync(server, "alice@example.com", "correct horse");
        await using var alice = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "correct horse") };
        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);

        await using var mallory = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "battery staple") };
        var refused = await mallory.RegisterAsync();
        Assert.Equal(403, refused.StatusCode);
        Assert.Equal("Wrong Credentials", refused.ReasonPhrase);

        await using var nobody = new TestUserAgent(server.Port, "nobody") { Credentials = ("nobody", "whatever1") };
        Assert.Equal(403, (await nobody.RegisterAsync()).StatusCode);
    }

    [Fact]
    public async Task Perl_net_sip_registers_and_publishes_with_md5_digest()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        await ProvisionAsync(server, "alice@example.com", "correct-horse");
        await using var alice = await PerlSipClient.StartAsync(server.Port);
        Assert.Equal(401, (await alice.SendAsync("register sip:alice@example.com 600")).Code);
        await alice.SendAsync("auth sip:alice@example.com alice correct-horse");
        Assert.Equal(200, (await alice.SendAsync("register sip:alice@example.com 600")).Code);
        string pidf = PerlSipClient.Base64("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\"><tuple id=\"a\"><status><basic>open</basic></status></tuple></presence>");
        Assert.Equal(200, (await alice.SendAsync($"publish sip:alice@example.com application/pidf+xml {pidf} 600")).Code);
    }

    [Fact]
    public async Task Alice_cannot_register_or_publish_for_bob_nor_subscribe_as_him()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        await ProvisionAsync(server, "alice@example.com", "alice-secret");
        await ProvisionAsync(server, "bob@example.com", "bob-secret");
        // Alice's credentials on requests about bob.
        await using var asBob = new TestUserAgent(server.Port, "bob") { Credentials = ("alice", "alice-secret") };
        var register = await asBob.RegisterAsync();
        Assert.Equal(403, register.StatusCode);
        Assert.Equal("Not Allowed For Another User", register.ReasonPhrase);
        Assert.Equal(403, (await asBob.PublishAsync("application/pidf+xml",
            "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:bob@example.com\"><tuple id=\"a\"><status><basic>closed</basic></status></tuple></presence>")).StatusCode);
        Assert.Equal(403, (await asBob.SubscribeAsync("sip:carol@example.com")).StatusCode);
    }

    [Fact]
    public async Task Disabling_a_user_ends_its_registrations_notifies_watchers_and_refuses_it()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        await ProvisionAsync(server, "alice@example.com", "alice-secret");
        await ProvisionAsync(server, "bob@example.com", "bob-secret");
        await using var alice = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "alice-secret") };
        await using var bob = new TestUserAgent(server.Port, "bob") { Credentials = ("bob", "bob-secret") };
        await alice.RegisterAsync();
        Assert.Equal(200, (await bob.SubscribeAsync(alice.Aor)).StatusCode);
        Assert.Equal("available", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

        using var api = server.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync("/api/users/alice@example.com/disable", null)).StatusCode);
        Assert.Equal("unreachable", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));
        var refused = await alice.RegisterAsync();
        Assert.Equal(403, refused.StatusCode);
        Assert.Equal("Account Disabled", refused.ReasonPhrase);

        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync("/api/users/alice@example.com/enable", null)).StatusCode);
        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
    }

    [Fact]
    public async Task Provisioning_api_keeps_hashes_only_and_checks_its_input()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        using var api = server.CreateApiClient();
        await ProvisionAsync(server, "alice@example.com", "first-password");
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsJsonAsync("/api/users", new { aor = "alice@example.com", password = "another-one" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostAsJsonAsync("/api/users", new { aor = "carol@example.com", password = "short" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostAsJsonAsync("/api/users", new { aor = "not a user", password = "long enough" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/users/zed@example.com")).StatusCode);

        string listed = await api.GetStringAsync("/api/users");
        using var list = JsonDocument.Parse(listed);
        var only = Assert.Single(list.RootElement.EnumerateArray());
        Assert.Equal("sip:alice@example.com", only.GetProperty("aor").GetString());
        Assert.Equal("example.com", only.GetProperty("realm").GetString());
        Assert.DoesNotContain("ha1", listed, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("first-password", listed, StringComparison.Ordinal);
        // The database holds hashes, never the password.
        Assert.DoesNotContain("first-password", await File.ReadAllTextAsync(Path.Combine(server.DataDirectory, "presence.db")), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync("/api/users/alice@example.com/password", new { password = "second-password" })).StatusCode);
        await using var old = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "first-password") };
        Assert.Equal(403, (await old.RegisterAsync()).StatusCode);
        await using var current = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "second-password") };
        Assert.Equal(200, (await current.RegisterAsync()).StatusCode);
    }
}
