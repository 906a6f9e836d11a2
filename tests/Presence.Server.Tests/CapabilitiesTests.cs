using System.Text;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests;

/// <summary>
/// Communication capabilities (issue 19, first step): the RFC 3840 feature tags of a REGISTER's Contact go into the
/// tuple of that contact as RFC 5196 service capabilities, in the NOTIFY a watcher gets.
/// </summary>
public sealed class CapabilitiesTests
{
    [Fact]
    public async Task A_watcher_sees_each_registered_device_with_the_capabilities_its_contact_announced()
    {
        await using var server = await ServerProcess.StartAsync(auth: true);
        await server.ProvisionAsync("alice@example.com", "alice-secret");
        await server.ProvisionAsync("bob@example.com", "bob-secret");
        await using var softphone = new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "alice-secret") };
        await using var bob = new TestUserAgent(server.Port, "bob") { Credentials = ("bob", "bob-secret") };
        Assert.Equal(200, (await bob.SubscribeAsync(softphone.Aor)).StatusCode);
        await bob.NextNotifyAsync();

        // As linphone registers: voice, video, real-time text, and MESSAGE among its methods.
        var registered = await softphone.SendAsync("REGISTER", "sip:example.com", softphone.Aor, softphone.Aor,
            $"Contact: <{softphone.Contact}>;audio;video;text;methods=\"INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, NOTIFY, SUBSCRIBE\"\r\nExpires: 600\r\n");
        Assert.Equal(200, registered.StatusCode);
        string document = Encoding.UTF8.GetString((await bob.NextNotifyAsync()).Body.Span);
        Assert.Contains($">{softphone.Contact}</contact>", document, StringComparison.Ordinal);
        foreach (string capability in new[] { "audio", "video", "text", "message" })
            Assert.Contains($"<caps:{capability}>true</caps:{capability}>", document, StringComparison.Ordinal);
        Assert.Contains("xmlns:caps=\"urn:ietf:params:xml:ns:pidf:caps\"", document, StringComparison.Ordinal);

        // A refresh that announces voice only (the video camera unplugged) says so at once.
        var refreshed = await softphone.SendAsync("REGISTER", "sip:example.com", softphone.Aor, softphone.Aor,
            $"Contact: <{softphone.Contact}>;audio;video=\"FALSE\"\r\nExpires: 600\r\n");
        Assert.Equal(200, refreshed.StatusCode);
        string after = Encoding.UTF8.GetString((await bob.NextNotifyAsync()).Body.Span);
        Assert.Contains("<caps:video>false</caps:video>", after, StringComparison.Ordinal);
        Assert.DoesNotContain("<caps:message>", after, StringComparison.Ordinal);
    }
}
