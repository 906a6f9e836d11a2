using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Presence.Server.Tests.Infrastructure;
using Presence.Server.Tests.Telemetry;
using Presence.Sip.Message;
using Presence.Sip.Tests.Torture;
using Xunit.Abstractions;

namespace Presence.Server.Tests.Torture;

/// <summary>
/// Every message of RFC 4475 (its archive's bytes, unchanged) sent over UDP to the server as a new user runs it
/// (authentication on), each answered (or not) as the RFC says a registrar and presence server should: see
/// tests/Presence.Sip.Tests/Torture/EXPECTATIONS.md for the RFC's words on each.
/// </summary>
/// <remarks>
/// The messages name hosts such as 192.0.2.15 in their Via. The server answers a UDP request at the address it came
/// from (received) and the Via's port (5060 when none; the source port with rport), so each message is sent from
/// 127.0.0.44 at its Via's port, an address of the loopback network that no other test uses, where the answer comes
/// back. Nothing leaves the machine.
/// </remarks>
public sealed class Rfc4475TortureTests(ITestOutputHelper output)
{
    private static readonly IPAddress Client = IPAddress.Parse("127.0.0.44");

    /// <summary>Null: the RFC wants no answer (a response, or no Via to send one along).</summary>
    private static readonly Dictionary<string, int?> Expected = new(StringComparer.Ordinal)
    {
        // §3.1.1, valid: handled as requests of their method. An INVITE or MESSAGE to a user who is not registered is
        // 480; a REGISTER is challenged (authentication is on); OPTIONS is answered; an unknown method is 501.
        ["wsinv"] = 480,
        ["intmeth"] = 501,
        ["esc01"] = 480,
        ["escnull"] = 401,
        ["esc02"] = 501,
        ["lwsdisp"] = 200,
        ["longreq"] = 480,
        ["dblreq"] = 401,
        ["semiuri"] = 200,
        ["transports"] = 200,
        ["mpart01"] = 480,
        ["unreason"] = null,
        ["noreason"] = null,
        // §3.1.2, invalid.
        ["badinv01"] = 400,
        ["clerr"] = 400,
        ["ncl"] = 400,
        ["scalar02"] = 400,
        ["scalarlg"] = null,
        ["quotbal"] = 400,
        ["ltgtruri"] = 400,
        ["lwsruri"] = 400,
        ["lwsstart"] = 400,
        ["trws"] = 400,
        // "A liberal element may ignore the escaped headers": a redirect server forwards nothing, so it answers the INVITE.
        ["escruri"] = 480,
        ["baddate"] = 480,
        // A registrar authenticates before it reads the bindings (RFC 3261 §10.3 steps 3 and 6): the challenge first.
        ["regbadct"] = 401,
        // "A liberal element may ignore the spaces" around the addr-spec.
        ["badaspec"] = 200,
        ["baddn"] = 400,
        ["badvers"] = 505,
        ["mismatch01"] = 400,
        ["mismatch02"] = 400,
        ["bigcode"] = null,
        // §3.2: matched the RFC 2543 way.
        ["badbranch"] = 200,
        // §3.3, application layer.
        ["insuf"] = 400,
        ["unkscm"] = 416,
        ["novelsc"] = 416,
        ["unksm2"] = 400,
        ["bext01"] = 420,
        ["invut"] = 480,
        ["regaut01"] = 401,
        ["multi01"] = 400,
        ["mcl01"] = 400,
        ["bcast"] = null,
        ["zeromf"] = 200,
        ["cparam01"] = 401,
        ["cparam02"] = 401,
        ["regescrt"] = 401,
        ["sdp01"] = 480,
        // §3.4: RFC 2543 syntax, accepted.
        ["inv2543"] = 480,
        // In the archive, not in the text: no Via, nothing to answer along.
        ["test"] = null,
    };

    /// <summary>Reason phrases the issue asks for: the 400 says what is wrong.</summary>
    private static readonly Dictionary<string, string> Reasons = new(StringComparer.Ordinal)
    {
        ["badinv01"] = "Malformed Via Header",
        ["scalar02"] = "CSeq Number Out Of Range",
        ["lwsruri"] = "White Space In Request-URI",
        ["lwsstart"] = "Extra Spaces In Request Line",
        ["trws"] = "Extra Spaces In Request Line",
        ["badvers"] = "Version Not Supported",
        ["insuf"] = "Missing From Header",
        ["mcl01"] = "Conflicting Content-Length Headers",
    };

    [Fact]
    public async Task Every_torture_message_gets_the_answer_the_rfc_asks_for_and_the_malformed_ones_are_counted()
    {
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), Rfc4475Messages.Names());
        var wrong = new List<string>();
        var answers = new Dictionary<string, SipMessage?>(StringComparer.Ordinal);
        double answered = 0, dropped = 0;
        // Some messages share a transaction key with an earlier one (novelsc and unkscm: branch z9hG4bKkdjuw39234 from
        // host9.example.com; cparam01 and cparam02; escnull and regescrt): RFC 3261 §17.2.3 makes the second a
        // retransmission of the first for as long as that transaction lives, so each goes to a server of its own.
        foreach (var round in Rounds())
        {
            await using var server = await ServerProcess.StartAsync(auth: true, extraArgs: ["--Http:ReadToken=" + ReadToken]);
            foreach (string name in round)
            {
                int? expected = Expected[name];
                SipMessage? answer = await SendAsync(server.Port, Rfc4475Messages.Read(name), expected is null ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5));
                answers[name] = answer;
                output.WriteLine($"{name,-11} expected {expected?.ToString() ?? "none",-4} got {(answer is null ? "none" : answer.StatusCode + " " + answer.ReasonPhrase)}");
                if (answer?.StatusCode != expected)
                    wrong.Add($"{name}: expected {expected?.ToString() ?? "no answer"}, got {(answer is null ? "no answer" : answer.StatusCode + " " + answer.ReasonPhrase)}");
                else if (Reasons.TryGetValue(name, out string? reason) && answer!.ReasonPhrase != reason)
                    wrong.Add($"{name}: reason '{answer.ReasonPhrase}', expected '{reason}'");
            }
            // The server is still there and counted both kinds: the 400s/505 it could address, the rest it dropped.
            Assert.False(server.HasExited, server.Output);
            var page = await MetricsScrape.FromAsync(server.HttpBase!, ReadToken);
            answered += page["sip_server_parse_errors_total{sip_parse_error_outcome=\"answered\"}"];
            dropped += page["sip_server_parse_errors_total{sip_parse_error_outcome=\"dropped\"}"];
            if (wrong.Count > 0)
                Assert.Fail(string.Join("\n", wrong) + "\n--- server ---\n" + server.Output);
        }

        // An answer copies what the request has: insuf has no Call-ID, From or To, and its 400 has none either, but its
        // Via (with received) and CSeq.
        SipMessage insuf = answers["insuf"]!;
        Assert.False(insuf.Has(HeaderId.CallId));
        Assert.False(insuf.Has(HeaderId.From));
        Assert.Equal("193942 INVITE", insuf.GetFirst(HeaderId.CSeq));
        Assert.Contains("received=127.0.0.44", insuf.GetFirst(HeaderId.Via), StringComparison.Ordinal);
        Assert.Equal("lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423", answers["lwsruri"]!.CallId);
        // intmeth's To display name has an escaped NUL, BEL and DEL: its 501 copies them as they came.
        Assert.Contains("\\\0", answers["intmeth"]!.GetFirst(HeaderId.To), StringComparison.Ordinal);

        Assert.Equal(Expected.Count(e => e.Value is 400 or 505 && !ParsedAsValid(e.Key)), answered);
        // scalarlg (a response with overlarge values), bigcode (a status code past 2^32) and test (no Via).
        Assert.Equal(3, dropped);
    }

    // Messages in the order of the table, each in the first round where no earlier message has its transaction key.
    private static List<List<string>> Rounds()
    {
        var rounds = new List<(HashSet<string> Keys, List<string> Names)>();
        foreach (string name in Expected.Keys)
        {
            string key = TransactionKeyOf(Rfc4475Messages.Read(name)) ?? name;
            var round = rounds.FirstOrDefault(r => !r.Keys.Contains(key));
            if (round.Keys is null)
            {
                round = ([], []);
                rounds.Add(round);
            }
            round.Keys.Add(key);
            round.Names.Add(name);
        }
        return rounds.Select(r => r.Names).ToList();
    }

    // RFC 3261 §17.2.3: branch, sent-by and method; null for a branch without the magic cookie (matched on more).
    private static string? TransactionKeyOf(byte[] message)
    {
        string text = Encoding.Latin1.GetString(message);
        Match via = Regex.Match(text, @"(?im)^(?:via|v)[ \t]*:[ \t]*SIP/2\.0/\w+[ \t]+([^;\r\n]+);branch=(z9hG4bK[^;,\r\n]+)");
        return via.Success ? $"{via.Groups[2].Value}|{via.Groups[1].Value.Trim().ToLowerInvariant()}|{text[..text.IndexOf(' ', StringComparison.Ordinal)]}" : null;
    }

    private const string ReadToken = "read-token-0123456789";

    // The 400s the transaction user gives to a message that parses (a Request-URI or To it cannot read, a registrar's
    // To that is not a SIP address) are not parse errors.
    private static bool ParsedAsValid(string name) => name is "unksm2" or "quotbal";

    /// <summary>Sends one datagram from 127.0.0.44 at the port its top Via names (5060 by default) and returns the first
    /// final response to it that comes back there (same Call-ID, or none when it has none, and same CSeq), or null when
    /// none comes within <paramref name="wait"/>. The answers to earlier INVITEs, never ACKed, are still being
    /// retransmitted to the same port meanwhile.</summary>
    private static async Task<SipMessage?> SendAsync(int serverPort, byte[] datagram, TimeSpan wait)
    {
        string text = Encoding.Latin1.GetString(datagram);
        Match via = Regex.Match(text, @"(?im)^(?:via|v)\s*:\s*SIP\s*/\s*[\d.]+\s*/\s*\w+\s+[^\s;:,]+(?::(\d+))?");
        int port = via.Success && via.Groups[1].Success ? int.Parse(via.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 5060;
        Match callId = Regex.Match(text, @"(?im)^(?:call-id|i)[ \t]*:[ \t]*(\S+)");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(Client, port));
        await socket.SendToAsync(datagram, SocketFlags.None, new IPEndPoint(IPAddress.Loopback, serverPort));
        var buffer = new byte[65536];
        using var deadline = new CancellationTokenSource(wait);
        try
        {
            while (true)
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), deadline.Token);
                var parsed = SipParser.Parse(buffer.AsSpan(0, received.ReceivedBytes).ToArray());
                if (parsed.Message is { IsResponse: true, StatusCode: >= 200 } response
                    && (callId.Success ? response.CallId == callId.Groups[1].Value : !response.Has(HeaderId.CallId)))
                    return response;
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
