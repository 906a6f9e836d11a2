using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests;

/// <summary>The HTTP API against the real server: reads, settings that watchers see, history, the live stream.</summary>
public sealed class HttpApiTests
{
    [Fact]
    public async Task Every_call_needs_the_bearer_token()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        using var anonymous = new HttpClient { BaseAddress = server.HttpBase };
        var response = await anonymous.GetAsync("/api/users/alice@example.com/presence");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/users/alice@example.com/presence")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Presence_reads_as_json_and_as_pidf()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        await using var alice = new TestUserAgent(server.Port, "alice");
        await alice.RegisterAsync();
        using var api = server.CreateApiClient();

        using var json = JsonDocument.Parse(await api.GetStringAsync("/api/users/alice@example.com/presence"));
        Assert.Equal("sip:alice@example.com", json.RootElement.GetProperty("aor").GetString());
        Assert.Equal("available", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("open", json.RootElement.GetProperty("basic").GetString());
        Assert.Equal(alice.Contact, json.RootElement.GetProperty("registrations")[0].GetProperty("contact").GetString());

        var pidf = await api.GetAsync("/api/users/sip:alice@example.com/presence.pidf");
        Assert.Equal("application/pidf+xml", pidf.Content.Headers.ContentType!.MediaType);
        Assert.Contains(">available<", await pidf.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/api/users/not%20a%20user/presence")).StatusCode);
    }

    [Fact]
    public async Task Dnd_alternatives_and_voicemail_set_through_the_api_reach_watchers_and_routing()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        await using var bob = new TestUserAgent(server.Port, "bob");
        using var api = server.CreateApiClient();
        await bob.SubscribeAsync("sip:alice@example.com");
        Assert.Equal("unreachable", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

        var alternatives = await api.PutAsJsonAsync("/api/users/alice@example.com/alternative-contacts",
            new[] { new { uri = "tel:+15551234567", priority = 0.8 } });
        Assert.Equal(HttpStatusCode.OK, alternatives.StatusCode);
        Assert.Equal("available", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));
        var invite = await bob.InviteAsync("sip:alice@example.com");
        Assert.Equal(302, invite.StatusCode);
        Assert.StartsWith("<tel:+15551234567>;q=0.8", invite.GetFirst(HeaderId.Contact), StringComparison.Ordinal);

        var dnd = await api.PutAsJsonAsync("/api/users/alice@example.com/dnd", new { comment = "On holiday until the end of the month" });
        Assert.Equal(HttpStatusCode.OK, dnd.StatusCode);
        var notify = await bob.NextNotifyAsync();
        Assert.Equal("donotdisturb", TestUserAgent.ExtendedOf(notify));
        Assert.Equal("On holiday until the end of the month", TestUserAgent.NoteOf(notify));
        Assert.Equal(480, (await bob.InviteAsync("sip:alice@example.com", "MESSAGE")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync("/api/users/alice@example.com/voicemail", new { uri = "sip:vm@example.com" })).StatusCode);
        Assert.StartsWith("<sip:vm@example.com>", (await bob.InviteAsync("sip:alice@example.com")).GetFirst(HeaderId.Contact), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync("/api/users/alice@example.com/dnd")).StatusCode);
        Assert.Equal("available", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

        Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsJsonAsync("/api/users/alice@example.com/alternative-contacts",
            new[] { new { uri = "http://example.com", priority = 0.5 } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsJsonAsync("/api/users/alice@example.com/voicemail", new { uri = "nope" })).StatusCode);
    }

    [Fact]
    public async Task History_lists_status_changes_newest_first()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        await using var alice = new TestUserAgent(server.Port, "alice");
        using var api = server.CreateApiClient();
        await alice.RegisterAsync();
        await api.PutAsJsonAsync("/api/users/alice@example.com/dnd", new { comment = "Lunch" });
        await api.DeleteAsync("/api/users/alice@example.com/dnd");

        using var history = JsonDocument.Parse(await api.GetStringAsync("/api/users/alice@example.com/history"));
        var entries = history.RootElement.EnumerateArray().Select(e => (e.GetProperty("status").GetString(), e.GetProperty("cause").GetString())).ToList();
        Assert.Equal([("available", "settings"), ("donotdisturb", "settings"), ("available", "register")], entries);
    }

    [Fact]
    public async Task Live_stream_sends_the_current_presence_then_each_change()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        await using var alice = new TestUserAgent(server.Port, "alice");
        using var api = server.CreateApiClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await api.GetAsync("/api/users/alice@example.com/stream", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));

        async Task<string> NextStatusAsync()
        {
            while (await reader.ReadLineAsync(cts.Token) is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                    return JsonDocument.Parse(line[6..]).RootElement.GetProperty("status").GetString()!;
            }
            throw new EndOfStreamException();
        }

        Assert.Equal("unreachable", await NextStatusAsync());
        await alice.RegisterAsync();
        Assert.Equal("available", await NextStatusAsync());
        await api.PutAsJsonAsync("/api/users/alice@example.com/dnd", new { comment = "Busy day" });
        Assert.Equal("donotdisturb", await NextStatusAsync());
    }
}
