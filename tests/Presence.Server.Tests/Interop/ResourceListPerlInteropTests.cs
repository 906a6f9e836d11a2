using System.Net.Http.Json;
using Presence.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Interop;

/// <summary>
/// Resource lists checked by an independent SIP stack (Perl's Net::SIP, tests/tools/sip-client.pl), which takes the
/// multipart/related bodies apart itself: a 600-member list with the server's defaults (digest on), full state then
/// partial state, each member decided by its own rules, and 421 without Supported: eventlist.
/// </summary>
public sealed class ResourceListPerlInteropTests(ITestOutputHelper output)
{
    private const int Members = 600;

    [Fact]
    public async Task A_600_member_list_reaches_an_independent_stack_in_full_then_partial_state_with_each_member_authorized()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        await server.ProvisionAsync("alice@example.com", "alice-secret");
        await server.ProvisionAsync("m1@example.com", "m1-secret");
        using var api = server.CreateApiClient();
        Assert.True((await api.PutAsJsonAsync("/api/users/m2@example.com/rules", new { watcher = "alice@example.com", action = "block" })).IsSuccessStatusCode);
        Assert.True((await api.PutAsJsonAsync("/api/users/m3@example.com/rules", new { watcher = "alice@example.com", action = "confirm" })).IsSuccessStatusCode);
        var put = await api.PutAsJsonAsync("/api/users/alice@example.com/lists/office", new
        {
            displayName = "Office",
            entries = Enumerable.Range(1, Members).Select(i => new { uri = $"m{i}@example.com" }),
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        await using var perl = await PerlSipClient.StartAsync(server.Port);
        Assert.Equal("ok", (await perl.SendAsync("auth sip:alice@example.com alice alice-secret")).Line.Split(' ')[^1]);
        const string list = "sip:alice+office@example.com";

        var refused = await perl.SendAsync($"subscribe-list sip:alice@example.com {list} 600 noeventlist");
        Assert.Equal((421, "eventlist"), (refused.Code, refused["require"]));

        var ok = await perl.SendAsync($"subscribe-list sip:alice@example.com {list} 600 eventlist");
        Assert.Equal((200, "eventlist"), (ok.Code, ok["require"]));

        // Full state first: every member named at once; the documents that did not fit one datagram follow in partial
        // NOTIFYs, one version after the other.
        var first = await perl.NextListNotifyAsync(TimeSpan.FromSeconds(30));
        Assert.True(first.Full);
        Assert.Equal(0, first.Errors);
        Assert.Equal(Members, first.Resources.Count);
        Assert.Equal(0, first.Version);
        var known = first.Resources.Where(r => r.Extended != "-").ToDictionary(r => r.Uri);
        long version = first.Version;
        int notifies = 1;
        while (known.Count < Members - 2)
        {
            var next = await perl.NextListNotifyAsync(TimeSpan.FromSeconds(30));
            notifies++;
            Assert.False(next.Full);
            Assert.Equal(0, next.Errors);
            Assert.Equal(version + 1, next.Version);
            version = next.Version;
            foreach (var r in next.Resources.Where(r => r.Extended != "-"))
                known[r.Uri] = r;
        }
        output.WriteLine($"{Members} members: full state in {notifies} NOTIFYs");
        Assert.All(known.Values, r => Assert.Equal(("active", "unreachable", "closed"), (r.State, r.Extended, r.Basic)));
        Assert.Equal(("terminated", "rejected"), (first["sip:m2@example.com"].State, first["sip:m2@example.com"].Reason));
        Assert.Equal(("pending", "-"), (first["sip:m3@example.com"].State, first["sip:m3@example.com"].Extended));
        Assert.DoesNotContain("sip:m2@example.com", known.Keys);
        Assert.DoesNotContain("sip:m3@example.com", known.Keys);

        // A member comes online: a partial NOTIFY of that member alone.
        await using var m1 = new TestUserAgent(server.Port, "m1") { Credentials = ("m1", "m1-secret") };
        Assert.Equal(200, (await m1.RegisterAsync()).StatusCode);
        var change = await perl.NextListNotifyAsync(TimeSpan.FromSeconds(10));
        Assert.False(change.Full);
        Assert.Equal(version + 1, change.Version);
        var only = Assert.Single(change.Resources);
        Assert.Equal(("sip:m1@example.com", "active", "available", "open"), (only.Uri, only.State, only.Extended, only.Basic));
    }
}
