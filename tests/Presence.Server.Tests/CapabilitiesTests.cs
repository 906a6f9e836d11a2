using System.Text;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

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

    [Fact]
    public async Task Accept_contact_in_its_compact_form_chooses_the_devices_and_explicit_preferences_that_leave_none_get_480()
    {
        await using var server = await ServerProcess.StartAsync(auth: false);
        await using var softphone = new TestUserAgent(server.Port, "alice");
        await using var deskPhone = new TestUserAgent(server.Port, "alice");
        await using var carol = new TestUserAgent(server.Port, "carol");
        Assert.Equal(200, (await softphone.SendAsync("REGISTER", "sip:example.com", softphone.Aor, softphone.Aor,
            $"Contact: <{softphone.Contact}>;audio;video\r\nExpires: 600\r\n")).StatusCode);
        Assert.Equal(200, (await deskPhone.SendAsync("REGISTER", "sip:example.com", deskPhone.Aor, deskPhone.Aor,
            $"Contact: <{deskPhone.Contact}>;audio;mobility=\"fixed\"\r\nExpires: 600\r\n")).StatusCode);

        // "a" is Accept-Contact (RFC 3841 §9.2): a fixed device preferred, so the desk phone first, then the softphone
        // (which did not say its mobility), with q-values that keep that order.
        var fixedFirst = await carol.SendAsync("INVITE", softphone.Aor, carol.Aor, softphone.Aor, $"Contact: <{carol.Contact}>\r\na: *;mobility=\"fixed\"\r\n");
        Assert.Equal(302, fixedFirst.StatusCode);
        Assert.Equal([$"<{deskPhone.Contact}>;q=1", $"<{softphone.Contact}>;q=0.999"], fixedFirst.GetValues(HeaderId.Contact));

        // Only devices that explicitly take video, and "j" (Reject-Contact) against video devices: nothing is left, 480.
        var none = await carol.SendAsync("INVITE", softphone.Aor, carol.Aor, softphone.Aor,
            $"Contact: <{carol.Contact}>\r\nAccept-Contact: *;video;require;explicit\r\nj: *;video\r\n");
        Assert.Equal(480, none.StatusCode);
    }
}
