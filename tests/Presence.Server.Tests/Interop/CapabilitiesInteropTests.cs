using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Interop;

/// <summary>
/// Communication capabilities with real clients (issue 19), against the server with its defaults (digest on): alice
/// has linphone 5.1 as a softphone, which registers with the feature tags its <c>contact_parameters</c> give it
/// (voice, video, text, MESSAGE among its methods, and its own <c>+sip.instance</c>); baresip 1.0, which registers
/// with none (it has no setting for them); and a desk phone (the test's user agent) that says voice without video and
/// lists methods without MESSAGE. A watcher sees each device with what it said; sipsak's calls and messages get a 302
/// in the order those capabilities give; the softphone's registration expiring takes its capabilities at once.
/// </summary>
/// <remarks>The user lives in "localhost": sipsak resolves its target's host, and example.com does not resolve here.</remarks>
public sealed partial class CapabilitiesInteropTests(ITestOutputHelper output)
{
    private const string Aor = "sip:alice@localhost";

    [Fact]
    public async Task Linphone_baresip_and_a_desk_phone_show_their_own_capabilities_and_calls_go_first_where_the_media_fits()
    {
        Assert.True(Linphonec.IsInstalled && Baresip.IsInstalled && Sipsak.IsInstalled, "./test.sh installs linphone-cli, baresip and sipsak.");
        // Registrations as short as 5 s, so that the softphone's expiry can be seen without waiting a minute.
        await using var server = await ServerProcess.StartAsync(auth: true, extraArgs: ["--Presence:Rules:MinRegisterExpires=1"]);
        await server.ProvisionAsync("alice@localhost", "alice-secret");
        await server.ProvisionAsync("bob@localhost", "bob-secret");
        using var api = server.CreateApiClient();
        await using var bob = new TestUserAgent(server.Port, "bob", "localhost") { Credentials = ("bob", "bob-secret") };
        Assert.Equal(200, (await bob.SubscribeAsync(Aor)).StatusCode);
        Assert.Equal("unreachable", TestUserAgent.ExtendedOf(await bob.NextNotifyAsync()));

        await using var baresip = await Baresip.StartAsync(server.Port, "alice", "alice-secret", [], regint: 600, pubint: 0, domain: "localhost");
        await using var linphone = Linphonec.Start(server.Port, "alice", "alice-secret", registerExpires: 5, domain: "localhost",
            proxyLines: ["contact_parameters=audio;video;text;methods=\"INVITE,ACK,BYE,CANCEL,OPTIONS,MESSAGE,NOTIFY,SUBSCRIBE\""]);
        await using var desk = new TestUserAgent(server.Port, "alice", "localhost") { Credentials = ("alice", "alice-secret") };
        Assert.Equal(200, (await desk.SendAsync("REGISTER", "sip:localhost", Aor, Aor,
            $"Contact: <{desk.Contact}>;audio;video=\"FALSE\";methods=\"INVITE,ACK,BYE,CANCEL,OPTIONS\"\r\nExpires: 600\r\n")).StatusCode);

        // All three registered: the API lists each device (baresip's with nothing said, linphone's with its instance).
        JsonElement presence = default;
        await linphone.WaitForAsync(async () =>
        {
            presence = await api.GetFromJsonAsync<JsonElement>("/api/users/alice%40localhost/presence");
            return presence.GetProperty("registrations").GetArrayLength() == 3;
        }, "three registrations of alice");
        string[] contacts = [.. presence.GetProperty("registrations").EnumerateArray().Select(r => r.GetProperty("contact").GetString()!)];
        string softphone = Assert.Single(contacts, c => c.Contains(";transport=udp", StringComparison.Ordinal));
        string baresipContact = Assert.Single(contacts, c => c != softphone && c != desk.Contact);
        output.WriteLine(string.Join("\n", contacts));
        JsonElement softDevice = presence.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("contact").GetString() == softphone);
        string deviceId = softDevice.GetProperty("deviceId").GetString()!;
        Assert.StartsWith("urn:uuid:", deviceId, StringComparison.Ordinal);
        JsonElement softCaps = softDevice.GetProperty("capabilities");
        Assert.Equal((true, true, true, true), (softCaps.GetProperty("audio").GetBoolean(), softCaps.GetProperty("video").GetBoolean(),
            softCaps.GetProperty("text").GetBoolean(), softCaps.GetProperty("message").GetBoolean()));
        JsonElement deskCaps = presence.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("contact").GetString() == desk.Contact).GetProperty("capabilities");
        // Its methods list all it takes (RFC 3840 §5), and MESSAGE is not among them; it said nothing about text.
        Assert.Equal((true, false, false, JsonValueKind.Null), (deskCaps.GetProperty("audio").GetBoolean(), deskCaps.GetProperty("video").GetBoolean(),
            deskCaps.GetProperty("message").GetBoolean(), deskCaps.GetProperty("text").ValueKind));
        Assert.DoesNotContain(presence.GetProperty("devices").EnumerateArray(), d => d.GetProperty("contact").GetString() == baresipContact);

        // bob's NOTIFY: one tuple per device, each with what that device said (RFC 5196 servcaps in the tuple).
        Dictionary<string, string> tuples = await NextDocumentAsync(bob, t => t.Count == 3);
        string soft = tuples[softphone];
        foreach (string capability in new[] { "audio", "video", "text", "message" })
            Assert.Contains($"<caps:{capability}>true</caps:{capability}>", soft, StringComparison.Ordinal);
        Assert.Contains($"<dm:deviceID>{deviceId}</dm:deviceID>", soft, StringComparison.Ordinal);
        Assert.Contains("<caps:video>false</caps:video>", tuples[desk.Contact], StringComparison.Ordinal);
        Assert.Contains("<caps:message>false</caps:message>", tuples[desk.Contact], StringComparison.Ordinal);
        Assert.DoesNotContain("<caps:text>", tuples[desk.Contact], StringComparison.Ordinal);
        Assert.DoesNotContain("servcaps", tuples[baresipContact], StringComparison.Ordinal);

        // sipsak calls alice offering video: the softphone first, baresip (said nothing) next, the desk phone (no video)
        // last, and the q-values say that order (all three registered with q 1).
        string proxy = $"127.0.0.1:{server.Port}";
        string sdpVideo = "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 40000 RTP/AVP 0\nm=video 40002 RTP/AVP 96\na=rtpmap:96 VP8/90000\n";
        Assert.Equal([$"{softphone} 1", $"{baresipContact} 0.999", $"{desk.Contact} 0.998"], await RedirectAsync(proxy, "INVITE", "call-video", "", sdpVideo));
        // The same call with the video stream declined (port 0): no preference of media, the callee's order.
        string audioOnly = sdpVideo.Replace("m=video 40002", "m=video 0", StringComparison.Ordinal);
        string[] plain = await RedirectAsync(proxy, "INVITE", "call-audio", "", audioOnly);
        Assert.All(plain, c => Assert.EndsWith(" 1", c, StringComparison.Ordinal));
        // A caller who refuses video devices (Reject-Contact, RFC 3841): the softphone, which said video, is left out.
        Assert.Equal([$"{baresipContact} 1", $"{desk.Contact} 1"], await RedirectAsync(proxy, "INVITE", "call-reject", "Reject-Contact: *;video\n", audioOnly));
        // A message: the desk phone listed its methods without MESSAGE and is left out; the softphone that said
        // MESSAGE comes before baresip.
        Assert.Equal([$"{softphone} 1", $"{baresipContact} 0.999"], await RedirectAsync(proxy, "MESSAGE", "message-1", "Content-Type: text/plain\n", "Hello"));

        // linphone dies (no unregistration): when its 5 s registration runs out, its tuple and its capabilities go at once.
        linphone.Kill();
        DateTime killed = DateTime.UtcNow;
        tuples = await NextDocumentAsync(bob, t => t.Count == 2, TimeSpan.FromSeconds(20));
        output.WriteLine($"softphone gone from the document {(DateTime.UtcNow - killed).TotalSeconds:0.0} s after linphone was killed");
        Assert.DoesNotContain(softphone, tuples.Keys);
        Assert.DoesNotContain(tuples.Values, t => t.Contains("<caps:audio>true</caps:audio>", StringComparison.Ordinal) && t.Contains("<caps:video>true", StringComparison.Ordinal));
        presence = await api.GetFromJsonAsync<JsonElement>("/api/users/alice%40localhost/presence");
        Assert.DoesNotContain(presence.GetProperty("devices").EnumerateArray(), d => d.GetProperty("contact").GetString() == softphone);
    }

    /// <summary>sipsak sends the request (file mode) to alice and returns the 302's contacts, "uri q", in order.</summary>
    private async Task<string[]> RedirectAsync(string proxy, string method, string callId, string headers, string body)
    {
        string file = Path.Combine(Path.GetTempPath(), $"sipsak-{callId}-{Guid.NewGuid():N}.sip");
        string type = method == "INVITE" ? "Content-Type: application/sdp\n" : string.Empty;
        await File.WriteAllTextAsync(file,
            $"{method} {Aor} SIP/2.0\nFrom: <sip:carol@localhost>;tag={callId}\nTo: <{Aor}>\nCall-ID: {callId}@127.0.0.1\nCSeq: 1 {method}\n"
            + $"Max-Forwards: 70\nContact: <sip:carol@127.0.0.1>\n{type}{headers}Content-Length: {Encoding.UTF8.GetByteCount(body)}\n\n{body}");
        try
        {
            var (_, text) = await Sipsak.RunAsync("-f", file, "-s", Aor, "-p", proxy, "--ignore-redirects", "-vv");
            output.WriteLine(text);
            int start = text.IndexOf("SIP/2.0 302", StringComparison.Ordinal);
            Assert.True(start >= 0, text);
            string response = text[start..];
            Match blank = Regex.Match(response, "\r?\n\r?\n");
            if (blank.Success)
                response = response[..blank.Index];
            return ContactLine().Matches(response).Select(m => $"{m.Groups["uri"].Value} {m.Groups["q"].Value}").ToArray();
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The next NOTIFY whose document's tuples (by contact) satisfy <paramref name="done"/>.</summary>
    private static async Task<Dictionary<string, string>> NextDocumentAsync(TestUserAgent watcher, Func<Dictionary<string, string>, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        string last = "(none)";
        while (DateTime.UtcNow < deadline)
        {
            SipMessage notify;
            try
            {
                notify = await watcher.NextNotifyAsync(deadline - DateTime.UtcNow);
            }
            catch (TimeoutException)
            {
                break;
            }
            last = Encoding.UTF8.GetString(notify.Body.Span);
            var tuples = TupleElement().Matches(last)
                .Where(m => ContactElement().IsMatch(m.Value))
                .ToDictionary(m => System.Net.WebUtility.HtmlDecode(ContactElement().Match(m.Value).Groups["uri"].Value), m => m.Value);
            if (done(tuples))
                return tuples;
        }
        throw new TimeoutException("No NOTIFY with the expected tuples; the last document:\n" + last);
    }

    [GeneratedRegex("<tuple[\\s\\S]*?</tuple>")]
    private static partial Regex TupleElement();

    [GeneratedRegex("<contact[^>]*>(?<uri>[^<]+)</contact>")]
    private static partial Regex ContactElement();

    [GeneratedRegex("^Contact: <(?<uri>[^>]+)>;q=(?<q>[0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex ContactLine();
}
