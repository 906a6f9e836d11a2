using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Auth;
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
    public async Task Unauthenticated_requests_are_challenged_with_md5_alone_by_default()
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
            // Auth:Algorithms' default: baresip 1.0 gives up on a 401 with any challenge but MD5 (issue 13).
            string challenge = Assert.Single(response.GetFields(HeaderId.WwwAuthenticate));
            Assert.Contains("algorithm=MD5", challenge, StringComparison.Ordinal);
            Assert.Contains("realm=\"example.com\"", challenge, StringComparison.Ordinal);
            Assert.Contains("qop=\"auth\"", challenge, StringComparison.Ordinal);
        }
        // OPTIONS, INVITE and MESSAGE are not challenged: they only ask where a user is reachable.
        Assert.Equal(480, (await alice.InviteAsync("sip:bob@example.com")).StatusCode);
    }

    [Fact]
    public async Task A_provisioned_user_registers_with_either_offered_algorithm_and_a_wrong_password_is_refused()
    {
        await using var server = await ServerProcess.StartAsync(auth: true, extraArgs: ["--Auth:Algorithms=MD5,SHA-256"]);
        await ProvisionAsync(server, "alice@example.com", "correct horse");
        foreach (string algorithm in new[] { "MD5", "SHA-256" })
        {
            await using var alice = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "correct horse"), Algorithm = algorithm };
            Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);

            await using var mallory = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "battery staple"), Algorithm = algorithm };
            var refused = await mallory.RegisterAsync();
            Assert.Equal(403, refused.StatusCode);
            Assert.Equal("Wrong Credentials", refused.ReasonPhrase);
        }

        await using var nobody = new TestUserAgent(server.Port, "nobody") { Credentials = ("nobody", "whatever1") };
        Assert.Equal(403, (await nobody.RegisterAsync()).StatusCode);
    }

    [Fact]
    public async Task Auth_algorithms_sets_the_challenges_and_their_order_and_refuses_what_it_does_not_offer()
    {
        await using var server = await ServerProcess.StartAsync(auth: true, extraArgs: ["--Auth:Algorithms=SHA-256"]);
        await ProvisionAsync(server, "alice@example.com", "correct horse");
        await using var probe = new TestUserAgent(server.Port, "alice");
        var challenge = await probe.RegisterAsync();
        Assert.Contains("algorithm=SHA-256", Assert.Single(challenge.GetFields(HeaderId.WwwAuthenticate)), StringComparison.Ordinal);
        await using var modern = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "correct horse") };
        Assert.Equal(200, (await modern.RegisterAsync()).StatusCode);

        // An MD5 answer to a server that offers SHA-256 only is not accepted, even with the right password and a good
        // nonce: it is challenged again, with SHA-256 only.
        string nonce = Regex.Match(challenge.GetFirst(HeaderId.WwwAuthenticate)!, "nonce=\"([^\"]+)\"").Groups[1].Value;
        string ha1 = DigestHash.ComputeHa1(DigestAlgorithm.Md5, "alice", "example.com", "correct horse");
        string response = DigestHash.ComputeResponse(DigestAlgorithm.Md5, ha1, nonce, "00000001", "0a1b2c3d", "auth", "REGISTER", "sip:example.com");
        var md5 = await probe.SendAsync("REGISTER", "sip:example.com", probe.Aor, probe.Aor, $"Contact: <{probe.Contact}>\r\nExpires: 600\r\n"
            + $"Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"{nonce}\", uri=\"sip:example.com\", response=\"{response}\", "
            + "algorithm=MD5, qop=auth, nc=00000001, cnonce=\"0a1b2c3d\"\r\n");
        Assert.Equal(401, md5.StatusCode);
        Assert.Contains("algorithm=SHA-256", Assert.Single(md5.GetFields(HeaderId.WwwAuthenticate)), StringComparison.Ordinal);

        await using var reordered = await ServerProcess.StartAsync(auth: true, extraArgs: ["--Auth:Algorithms= SHA-256 , md5"]);
        await using var probe2 = new TestUserAgent(reordered.Port, "alice");
        var both = (await probe2.RegisterAsync()).GetFields(HeaderId.WwwAuthenticate).ToList();
        Assert.Equal(2, both.Count);
        Assert.Contains("algorithm=SHA-256", both[0], StringComparison.Ordinal);
        Assert.Contains("algorithm=MD5", both[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trusted_proxy_publishes_for_its_users_without_credentials_and_nobody_else_does()
    {
        // Auth:TrustedProxies: a call proxy (Kamailio's pua_dialoginfo) PUBLISHes call state without credentials.
        await using var server = await ServerProcess.StartAsync(auth: true, extraArgs: ["--Auth:TrustedProxies=127.0.0.7, 10.0.0.0/8"]);
        await ProvisionAsync(server, "alice@example.com", "alice-secret");
        string dialogInfo = "<?xml version=\"1.0\"?><dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"0\" state=\"full\""
            + " entity=\"sip:alice@example.com\"><dialog id=\"d1\" direction=\"recipient\"><state>early</state></dialog></dialog-info>";
        // The Via has rport: the answer goes back to the address and port the request came from.
        string Publish(int port) => RawSipClient.Request("PUBLISH", "sip:alice@example.com", port,
                extraHeaders: "Event: dialog\r\nExpires: 60\r\nContent-Type: application/dialog-info+xml\r\n", body: dialogInfo)
            .Replace("From: <sip:tester@127.0.0.1>", "From: <sip:alice@example.com>", StringComparison.Ordinal);
        var endPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, server.Port);

        using var proxy = new RawSipClient("127.0.0.7");
        var trusted = await proxy.SendUdpAsync(endPoint, Publish(proxy.LocalPort));
        Assert.Equal(200, trusted!.StatusCode);

        using var stranger = new RawSipClient();
        Assert.Equal(401, (await stranger.SendUdpAsync(endPoint, Publish(stranger.LocalPort)))!.StatusCode);
    }

    [Fact]
    public async Task A_trusted_proxies_entry_that_is_no_address_stops_the_server()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ServerProcess.StartAsync(auth: true, extraArgs: ["--Auth:TrustedProxies=proxy.example.com"]));
        Assert.Contains("Auth:TrustedProxies: 'proxy.example.com' is neither an IP address nor a network", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SHA-1", "'SHA-1' is not a digest algorithm")]
    [InlineData("MD5,md5", "names MD5 twice")]
    [InlineData(" , ", "names no algorithm")]
    public async Task A_bad_auth_algorithms_setting_stops_the_server_with_a_message_naming_it(string value, string message)
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ServerProcess.StartAsync(auth: true, extraArgs: [$"--Auth:Algorithms={value}"]));
        Assert.Contains("Configuration error", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Auth:Algorithms", failure.Message, StringComparison.Ordinal);
        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp")]
    public async Task Perl_net_sip_registers_publishes_subscribes_and_sees_a_change_with_digest(string transport)
    {
        // Over TCP Net::SIP shuts down its sending side once its request is out (a half-close): the answer still goes
        // back on that connection (RFC 3261 §18.2.2), which stays open for it.
        await using var server = await ServerProcess.StartAsync(auth: true);
        await ProvisionAsync(server, "alice@example.com", "correct-horse");
        await ProvisionAsync(server, "bob@example.com", "battery-staple");
        await using var alice = await PerlSipClient.StartAsync(server.Port, transport);
        await using var bob = await PerlSipClient.StartAsync(server.Port, transport);
        Assert.Equal(401, (await alice.SendAsync("register sip:alice@example.com 600")).Code);
        await alice.SendAsync("auth sip:alice@example.com alice correct-horse");
        await bob.SendAsync("auth sip:bob@example.com bob battery-staple");

        Assert.Equal(200, (await bob.SendAsync("subscribe sip:bob@example.com sip:alice@example.com 600")).Code);
        Assert.Equal("unreachable", (await bob.NextNotifyAsync()).Extended);
        Assert.Equal(200, (await alice.SendAsync("register sip:alice@example.com 600")).Code);
        Assert.Equal("available", (await bob.NextNotifyAsync()).Extended);
        string pidf = PerlSipClient.Base64("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.com\"><tuple id=\"a\">"
            + "<status><basic>closed</basic></status></tuple><note>In a meeting</note></presence>");
        Assert.Equal(200, (await alice.SendAsync($"publish sip:alice@example.com application/pidf+xml {pidf} 600")).Code);
        var dnd = await bob.NextNotifyAsync();
        Assert.Equal("donotdisturb", dnd.Extended);
        Assert.Equal("In a meeting", dnd.Note);
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
