using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Xunit.Abstractions;

namespace Presence.Server.Tests;

/// <summary>
/// Interop with Debian's baresip 1.0, a real softphone, as bob: it registers, publishes its presence, watches alice
/// (played by <see cref="TestUserAgent"/>) and changes its own presence. Every assertion on bob's side is on what
/// baresip itself reports: its contacts listing and its log lines through its control interface and output, and its
/// SIP trace.
/// </summary>
/// <remarks>
/// What baresip 1.0 does with presence (modules/presence of that release):
/// <list type="bullet">
/// <item>It publishes only <c>&lt;basic&gt;open</c> or <c>closed</c> (with an empty <c>&lt;rpid:activities/&gt;</c>);
/// its commands <c>presence_online</c> and <c>presence_offline</c> switch between the two. It has no away or
/// do-not-disturb of its own: offline (closed) is how it says "unavailable", which the server reads as
/// donotdisturb (SPEC, "What real clients publish").</item>
/// <item>It reads a watched contact's NOTIFY with four states: <c>&lt;basic&gt;open</c> is Online, anything else
/// Offline; then an RPID activity overrides basic: <c>&lt;rpid:away/&gt;</c> gives Offline, <c>&lt;rpid:busy/&gt;</c>
/// or <c>&lt;rpid:on-the-phone/&gt;</c> give Busy.</item>
/// <item>It logs "&lt;aor&gt; changed status from X to Y" on every change except the first (from Unknown).</item>
/// </list>
/// </remarks>
public sealed class BaresipInteropTests(ITestOutputHelper output)
{
    private const string Pidf = "application/pidf+xml";
    private const string DialogInfo = "application/dialog-info+xml";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    // Timestamps in the server's log, to line it up with baresip's (both UTC) when a test fails.
    private static readonly string[] ServerLogArgs =
        ["--Logging:Console:FormatterOptions:TimestampFormat=HH:mm:ss.fff ", "--Logging:Console:FormatterOptions:UseUtcTimestamp=true"];

    private static string AliceDocument(string inner) =>
        "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:po=\"urn:presence-orleans:params:xml:ns:pidf-ext\""
        + " entity=\"sip:alice@example.com\">"
        + $"<tuple id=\"t\"><status><basic>open</basic></status></tuple>{inner}</presence>";

    private static string AliceDialog(string state) =>
        "<?xml version=\"1.0\"?><dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"1\" state=\"full\" entity=\"sip:alice@example.com\">"
        + $"<dialog id=\"d\" direction=\"recipient\"><state>{state}</state></dialog></dialog-info>";

    private const string BobPassword = "bob-baresip-secret";

    private static async Task<TestUserAgent> AliceAsync(ServerProcess server)
    {
        await server.ProvisionAsync("alice@example.com", "alice-secret");
        return new TestUserAgent(server.Port, "alice") { Credentials = ("alice", "alice-secret") };
    }

    private static string Basic(SipMessage notify)
    {
        Match m = Regex.Match(Encoding.UTF8.GetString(notify.Body.Span), "<basic>([^<]*)</basic>");
        return m.Success ? m.Groups[1].Value : "-";
    }

    [Fact]
    public async Task Baresip_registers_publishes_follows_alice_and_alice_follows_baresip()
    {
        // The defaults a new user gets: digest authentication on, every user provisioned with a password.
        await using var server = await ServerProcess.StartAsync(auth: true, extraArgs: ServerLogArgs);
        await using var alice = await AliceAsync(server);
        await server.ProvisionAsync("bob@example.com", BobPassword);
        await using var bob = await Baresip.StartAsync(server.Port, "bob", BobPassword, [("Alice", alice.Aor)]);
        try
        {
            // 1. baresip registers: its own registration line says the server answered 200 with its one binding.
            string registered = await bob.WaitForLineAsync(
                l => l.StartsWith("bob@example.com: {0/UDP/v4} 200 OK", StringComparison.Ordinal), Wait, "bob's REGISTER answered");
            Assert.Contains("(Presence.Orleans/", registered, StringComparison.Ordinal);
            Assert.EndsWith("[1 binding]", registered, StringComparison.Ordinal);

            // ... and publishes open. Its PUBLISH timer (100 ms) usually fires before the REGISTER is answered, so
            // it first publishes <basic>unknown</basic> (not a PIDF value; the server passes it over) and then, on
            // REGISTER_OK, a second initial PUBLISH (no SIP-If-Match) with open. It keeps the SIP-ETag of whichever
            // 200 came last, so it later modifies and refreshes either the "unknown" or the "open" publication; the
            // other one stays on the server, untracked, until it expires. Every PUBLISH it sent must get a 200 with
            // a SIP-ETag (its trace shows the answers it received).
            await WaitUntilAsync(() => bob.RequestsSent("PUBLISH").Any(p => p.Contains("<basic>open</basic>", StringComparison.Ordinal))
                && AllAnsweredWith200(bob, "PUBLISH"), "baresip's PUBLISH of open answered with 200", bob);
            Assert.All(bob.RequestsSent("PUBLISH"), p => Assert.Contains("Event: presence\n", p, StringComparison.Ordinal));
            Assert.All(bob.ResponsesTo("PUBLISH").Where(IsOk), r => Assert.Matches("(?m)^SIP-ETag: \\S+$", r));

            // Alice watches bob: registered and published open is available (basic open for standard clients). The
            // publication of open adds nothing to a registered user's document, so this NOTIFY shows the REGISTER;
            // bob's own change below (step 5) shows that his publications count.
            Assert.Equal(200, (await alice.SubscribeAsync(bob.Aor)).StatusCode);
            var bobFirst = await alice.NextNotifyAsync(Wait);
            output.WriteLine("--- alice's first NOTIFY for bob ---\n" + Encoding.UTF8.GetString(bobFirst.Body.Span));
            Assert.Equal("available", TestUserAgent.ExtendedOf(bobFirst));
            Assert.Equal("open", Basic(bobFirst));

            // 2. baresip subscribed to alice (;presence=p2p, one second after it started). Alice is not registered:
            // closed/unreachable, which baresip shows as Offline. (It logs no line for its first status.)
            // One subscription: the challenged SUBSCRIBE and its retry with credentials (one Call-ID), answered 401 and 200.
            await bob.WaitForContactStatusAsync(alice.Aor, "Offline", Wait);
            Assert.Single(bob.RequestsSent("SUBSCRIBE").Select(DialogCallId).Distinct());
            Assert.True(AllAnsweredWith200(bob, "SUBSCRIBE"), "baresip's SUBSCRIBE was not accepted after the challenge:\n" + bob.Output);
            Assert.All(bob.RequestsSent("SUBSCRIBE"), r => Assert.Contains("Event: presence\n", r, StringComparison.Ordinal));

            // Alice registers: open/available, and baresip shows her Online.
            int mark = bob.LineCount;
            Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);
            await bob.WaitForContactStatusAsync(alice.Aor, "Online", Wait);
            await bob.WaitForLineAsync(l => l == Baresip.ChangedStatusLine(alice.Aor, "Offline", "Online"), Wait, "Offline to Online", mark);

            // 3. Alice declares do-not-disturb. The server sends basic closed with the RPID activity busy (the
            // writer's mapping of donotdisturb for standard clients), and baresip lets the activity win over basic:
            // it shows Busy, not Offline.
            mark = bob.LineCount;
            var dnd = await alice.PublishAsync(Pidf, AliceDocument("<po:donotdisturb>In a meeting</po:donotdisturb>"));
            Assert.Equal(200, dnd.StatusCode);
            await bob.WaitForContactStatusAsync(alice.Aor, "Busy", Wait);
            await bob.WaitForLineAsync(l => l == Baresip.ChangedStatusLine(alice.Aor, "Online", "Busy"), Wait, "Online to Busy", mark);
            string dndNotify = LastNotifyBody(bob);
            Assert.Contains("<basic>closed</basic>", dndNotify, StringComparison.Ordinal);
            Assert.Contains("<rpid:busy/>", dndNotify, StringComparison.Ordinal);
            Assert.Contains("<note>In a meeting</note>", dndNotify, StringComparison.Ordinal);

            // 4. Alice withdraws do-not-disturb: available again, baresip shows Online.
            mark = bob.LineCount;
            Assert.Equal(200, (await alice.PublishAsync(Pidf, body: null, expires: 0, etag: dnd.GetFirst(HeaderId.SipETag))).StatusCode);
            await bob.WaitForContactStatusAsync(alice.Aor, "Online", Wait);
            await bob.WaitForLineAsync(l => l == Baresip.ChangedStatusLine(alice.Aor, "Busy", "Online"), Wait, "Busy to Online", mark);

            // Alice on the phone (dialog-info confirmed): open/busy with <rpid:on-the-phone/>, which baresip shows
            // as Busy too; the call ends and she is Online again.
            mark = bob.LineCount;
            var call = await alice.PublishAsync(DialogInfo, AliceDialog("confirmed"));
            Assert.Equal(200, call.StatusCode);
            await bob.WaitForContactStatusAsync(alice.Aor, "Busy", Wait);
            await bob.WaitForLineAsync(l => l == Baresip.ChangedStatusLine(alice.Aor, "Online", "Busy"), Wait, "Online to Busy (call)", mark);
            Assert.Contains("<rpid:on-the-phone/>", LastNotifyBody(bob), StringComparison.Ordinal);
            mark = bob.LineCount;
            Assert.Equal(200, (await alice.PublishAsync(DialogInfo, body: null, expires: 0, etag: call.GetFirst(HeaderId.SipETag))).StatusCode);
            await bob.WaitForContactStatusAsync(alice.Aor, "Online", Wait);
            await bob.WaitForLineAsync(l => l == Baresip.ChangedStatusLine(alice.Aor, "Busy", "Online"), Wait, "Busy to Online (call)", mark);

            // Alice unregisters: closed/unreachable, baresip shows Offline.
            mark = bob.LineCount;
            Assert.Equal(200, (await alice.RegisterAsync(expires: 0)).StatusCode);
            await bob.WaitForContactStatusAsync(alice.Aor, "Offline", Wait);
            await bob.WaitForLineAsync(l => l == Baresip.ChangedStatusLine(alice.Aor, "Online", "Offline"), Wait, "Online to Offline", mark);

            // baresip answered every NOTIFY with 200 and kept its one subscription.
            Assert.Equal(
                bob.SipTrace().Count(m => m.Message.StartsWith("NOTIFY ", StringComparison.Ordinal)),
                bob.ResponsesTo("NOTIFY").Count(r => r.StartsWith("SIP/2.0 200 ", StringComparison.Ordinal)));
            Assert.Single(bob.RequestsSent("SUBSCRIBE").Select(DialogCallId).Distinct());

            // 5. bob sets itself offline, baresip 1.0's only "unavailable" (it has no away or do-not-disturb):
            // it modifies its publication (SIP-If-Match) to closed, which alice sees as donotdisturb without a comment.
            mark = bob.LineCount;
            int publishes = bob.RequestsSent("PUBLISH").Count;
            await bob.CommandAsync("presence_offline");
            await bob.WaitForLineAsync(l => l == "presence: update status of 'sip:bob@example.com' from 'Online' to 'Offline'",
                Wait, "bob's own status to Offline", mark);
            var bobDnd = await alice.NextNotifyAsync(Wait);
            Assert.Equal("donotdisturb", TestUserAgent.ExtendedOf(bobDnd));
            Assert.Equal("closed", Basic(bobDnd));
            Assert.Null(TestUserAgent.NoteOf(bobDnd));
            await WaitUntilAsync(() => bob.RequestsSent("PUBLISH").Count > publishes, "baresip's PUBLISH of closed in its trace", bob);
            string offlinePublish = bob.RequestsSent("PUBLISH")[publishes];
            Assert.Contains("<basic>closed</basic>", offlinePublish, StringComparison.Ordinal);
            Assert.Matches("(?m)^SIP-If-Match: \\S+$", offlinePublish);
            await WaitUntilAsync(() => AllAnsweredWith200(bob, "PUBLISH"), "baresip's PUBLISH of closed answered with 200", bob);

            // bob back online: open again, alice sees available.
            mark = bob.LineCount;
            await bob.CommandAsync("presence_online");
            await bob.WaitForLineAsync(l => l == "presence: update status of 'sip:bob@example.com' from 'Offline' to 'Online'",
                Wait, "bob's own status to Online", mark);
            var bobBack = await alice.NextNotifyAsync(Wait);
            Assert.Equal("available", TestUserAgent.ExtendedOf(bobBack));
            Assert.Equal("open", Basic(bobBack));
            await WaitUntilAsync(() => AllAnsweredWith200(bob, "PUBLISH"), "baresip's PUBLISH of open answered with 200", bob);

            // No warning from baresip about the server's answers (e.g. "publisher got error response").
            Assert.DoesNotContain(bob.Lines, l => l.Contains("error response", StringComparison.Ordinal)
                || l.Contains("unsupported content-type", StringComparison.Ordinal)
                || l.Contains("subscriber closed", StringComparison.Ordinal));
        }
        finally
        {
            output.WriteLine("--- baresip ---\n" + bob.Output);
            output.WriteLine("--- server ---\n" + server.Output);
        }
    }

    [Fact]
    public async Task Baresip_refreshing_its_publication_changes_nothing_and_its_exit_makes_bob_unreachable_at_once()
    {
        // A short publication so that baresip refreshes it within the test (the server accepts it when told to).
        // baresip refreshes at 90 % of the Expires, counted from when the 200 reaches it, and the server counts from
        // when the request arrived: the slack is 10 % of the interval less the server's answer time, so not 2 s
        // (0.2 s of slack; the first answers of a cold server take about that long, and then the server rightly
        // expires the state and notifies watchers). 6 s leaves 0.6 s. The registration (60 s) is not refreshed here.
        await using var server = await ServerProcess.StartAsync(auth: true, extraArgs: [.. ServerLogArgs, "--Presence:Rules:MinPublishExpires=1"]);
        await using var alice = await AliceAsync(server);
        await server.ProvisionAsync("bob@example.com", BobPassword);
        await using var bob = await Baresip.StartAsync(server.Port, "bob", BobPassword, [("Alice", alice.Aor)], pubint: 6);
        try
        {
            await bob.WaitForLineAsync(l => l.StartsWith("bob@example.com: {0/UDP/v4} 200 OK", StringComparison.Ordinal), Wait, "bob's REGISTER answered");
            await WaitUntilAsync(() => bob.RequestsSent("PUBLISH").Any(p => p.Contains("<basic>open</basic>", StringComparison.Ordinal))
                && AllAnsweredWith200(bob, "PUBLISH"), "baresip's PUBLISH of open answered with 200", bob);
            await bob.WaitForContactStatusAsync(alice.Aor, "Offline", Wait);
            Assert.Equal(200, (await alice.SubscribeAsync(bob.Aor)).StatusCode);
            Assert.Equal("available", TestUserAgent.ExtendedOf(await alice.NextNotifyAsync(Wait)));

            // baresip refreshes its publication with SIP-If-Match and no body (it still sends Content-Type:
            // application/pidf+xml, with Content-Length: 0): answered 200 with a new SIP-ETag (RFC 3903 §6 step 8).
            // Its first initial PUBLISH that it no longer tracks (see the other test) expires meanwhile. Watchers hear
            // nothing: bob's document did not change.
            await WaitUntilAsync(() => bob.RequestsSent("PUBLISH").Any(IsPublishRefresh) && AllAnsweredWith200(bob, "PUBLISH"),
                "a PUBLISH refresh answered with 200", bob, TimeSpan.FromSeconds(8));
            string refresh = bob.RequestsSent("PUBLISH").First(IsPublishRefresh);
            Assert.Matches("(?m)^Content-Type: application/pidf\\+xml$", refresh);
            var etags = bob.ResponsesTo("PUBLISH").Where(IsOk).Select(r => Regex.Match(r, "(?m)^SIP-ETag: *(.+)$").Groups[1].Value).ToList();
            Assert.Equal(etags.Count, etags.Distinct().Count());
            Assert.Contains(Regex.Match(refresh, "(?m)^SIP-If-Match: *(.+)$").Groups[1].Value, etags);
            await AssertNoNotifyAsync(alice, TimeSpan.FromMilliseconds(700));

            // SIGTERM: baresip removes its publication (Expires: 0), ends its subscription to alice (an in-dialog
            // SUBSCRIBE with Expires: 0, sent to the Contact the server gave) and unregisters; alice hears
            // unreachable at once.
            await bob.TerminateAsync(Wait);
            Assert.Contains(bob.RequestsSent("SUBSCRIBE"), r => Regex.IsMatch(r, "(?m)^Expires: 0$"));
            Assert.True(AllAnsweredWith200(bob, "SUBSCRIBE"), "baresip's un-SUBSCRIBE was not answered with 200:\n" + bob.Output);
            Assert.Contains(bob.RequestsSent("PUBLISH"), p => Regex.IsMatch(p, "(?m)^Expires: 0$"));
            Assert.Contains(bob.RequestsSent("REGISTER"), r => Regex.IsMatch(r, "(?m)^(Expires: 0|Contact: .*;expires=0)$"));
            Assert.True(AllAnsweredWith200(bob, "REGISTER"), "baresip's unREGISTER was not answered with 200:\n" + bob.Output);
            var gone = await alice.NextNotifyAsync(Wait);
            Assert.Equal("unreachable", TestUserAgent.ExtendedOf(gone));
            Assert.Equal("closed", Basic(gone));
        }
        finally
        {
            output.WriteLine("--- baresip ---\n" + bob.Output);
            output.WriteLine("--- server ---\n" + server.Output);
        }
    }

    private static async Task AssertNoNotifyAsync(TestUserAgent watcher, TimeSpan wait)
    {
        SipMessage? unexpected = null;
        try
        {
            unexpected = await watcher.NextNotifyAsync(wait);
        }
        catch (TimeoutException)
        {
        }
        Assert.True(unexpected is null, "Unexpected NOTIFY (CSeq " + unexpected?.CSeq + "):\n" + (unexpected is null ? null : Encoding.UTF8.GetString(unexpected.Body.Span)));
    }

    private static bool IsPublishRefresh(string publish) =>
        Regex.IsMatch(publish, "(?m)^SIP-If-Match: ") && Regex.IsMatch(publish, "(?m)^Content-Length: 0$");

    /// <summary>
    /// True when every request of <paramref name="method"/> in baresip's trace got its final answer (matched by Call-ID and
    /// CSeq) and it was the right one: 200 for a request with credentials, 401 (the challenge) for one without; and at
    /// least one was accepted. With authentication on, baresip sends each new request without credentials first.
    /// </summary>
    private static bool AllAnsweredWith200(Baresip baresip, string method)
    {
        var finals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string response in baresip.ResponsesTo(method).Where(r => !r.StartsWith("SIP/2.0 1", StringComparison.Ordinal)))
            finals[DialogKey(response)] = int.Parse(response.AsSpan(8, 3), CultureInfo.InvariantCulture);
        var sent = baresip.RequestsSent(method);
        return sent.Any(HasCredentials)
            && sent.All(r => finals.TryGetValue(DialogKey(r), out int code) && code == (HasCredentials(r) ? 200 : 401));
    }

    private static bool IsOk(string response) => response.StartsWith("SIP/2.0 200 ", StringComparison.Ordinal);

    private static bool HasCredentials(string request) => Regex.IsMatch(request, "(?m)^Authorization: Digest ");

    private static string DialogCallId(string message) => Regex.Match(message, "(?m)^Call-ID: *(.+)$").Groups[1].Value;

    private static string DialogKey(string message) =>
        Regex.Match(message, "(?m)^Call-ID: *(.+)$").Groups[1].Value + "/" + Regex.Match(message, "(?m)^CSeq: *(.+)$").Groups[1].Value;

    /// <summary>The body of the last NOTIFY baresip received, from its SIP trace.</summary>
    private static string LastNotifyBody(Baresip baresip)
    {
        string notify = baresip.SipTrace().Last(m => m.Message.StartsWith("NOTIFY ", StringComparison.Ordinal)).Message;
        return notify[(notify.IndexOf("\n\n", StringComparison.Ordinal) + 2)..];
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, Baresip baresip, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Wait);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Not within {(timeout ?? Wait).TotalSeconds} s: {what}.\n{baresip.Output}");
            await Task.Delay(50);
        }
    }
}
