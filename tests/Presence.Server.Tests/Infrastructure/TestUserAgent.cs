using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Presence.Sip.Auth;
using Presence.Sip.Headers;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// A small UDP user agent for protocol tests: sends requests and waits for their final responses, answers the
/// NOTIFYs it receives (200 unless told otherwise) and queues them for the test. Its socket outlives server
/// restarts, as a real phone's would.
/// </summary>
public sealed class TestUserAgent : IAsyncDisposable
{
    private readonly Socket _socket;
    private IPEndPoint _server;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SipMessage>> _pending = new();
    private readonly Channel<SipMessage> _notifies = Channel.CreateUnbounded<SipMessage>();
    private readonly DatagramLoop _loop;
    private int _cseq = 1;

    public TestUserAgent(int serverPort, string user, string domain = "example.com")
    {
        _server = new IPEndPoint(IPAddress.Loopback, serverPort);
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        Aor = $"sip:{user}@{domain}";
        _loop = new DatagramLoop(_socket, OnDatagramAsync);
    }

    public string Aor { get; }

    /// <summary>The UDP port requests go to (a cluster test moves it from silo to silo).</summary>
    public int ServerPort
    {
        get => _server.Port;
        set => _server = new IPEndPoint(IPAddress.Loopback, value);
    }

    public int Port { get; }

    public string Contact => $"sip:{Aor[4..Aor.IndexOf('@')]}@127.0.0.1:{Port}";

    /// <summary>Digest credentials (user part and password) used to answer a 401; null answers nothing.</summary>
    public (string User, string Password)? Credentials { get; set; }

    /// <summary>The challenge to answer: the one of this algorithm token ("MD5", "SHA-256"), or the first one (as RFC 8760
    /// has a client do) when null.</summary>
    public string? Algorithm { get; set; }

    /// <summary>The status NOTIFYs are answered with (481 plays a watcher that has gone).</summary>
    public int NotifyAnswer { get; set; } = 200;

    public Task<SipMessage> RegisterAsync(int expires = 600) =>
        SendAsync("REGISTER", "sip:" + Aor[(Aor.IndexOf('@') + 1)..], Aor, Aor, $"Contact: <{Contact}>\r\nExpires: {expires}\r\n");

    public Task<SipMessage> PublishAsync(string contentType, string? body, int expires = 600, string? etag = null, string @event = "presence") =>
        SendAsync("PUBLISH", Aor, Aor, Aor,
            $"Event: {@event}\r\nExpires: {expires}\r\n" + (etag is null ? string.Empty : $"SIP-If-Match: {etag}\r\n"),
            body, contentType);

    /// <summary>
    /// Subscribes to <paramref name="presentity"/>; returns the 200 (its To tag names the dialog). A refresh in the
    /// dialog may name the notifier's Contact as <paramref name="requestUri"/> and carry the dialog's
    /// <paramref name="routes"/> (RFC 3261 §12.2.1.1); by default the request goes to the presentity with no Route.
    /// </summary>
    public Task<SipMessage> SubscribeAsync(
        string presentity, int expires = 600, string? callId = null, string? toTag = null, string @event = "presence", int? cseq = null,
        string? requestUri = null, IEnumerable<string>? routes = null) =>
        SendAsync("SUBSCRIBE", requestUri ?? presentity, Aor, presentity,
            string.Concat((routes ?? []).Select(r => $"Route: {r}\r\n"))
            + $"Event: {@event}\r\nExpires: {expires}\r\nContact: <{Contact}>\r\n"
            + $"Accept: {(@event == "presence.winfo" ? "application/watcherinfo+xml" : "application/pidf+xml")}\r\n",
            callId: callId, toTag: toTag, cseq: cseq);

    /// <summary>Subscribes to a resource list (RFC 4662 §5.1): Supported: eventlist (unless told not to) and an Accept
    /// of multipart/related, RLMI and PIDF, as list subscribers send.</summary>
    public Task<SipMessage> SubscribeListAsync(
        string list, int expires = 600, string? callId = null, string? toTag = null, bool eventList = true, string? requestUri = null,
        string @event = "presence") =>
        SendAsync("SUBSCRIBE", requestUri ?? list, Aor, list,
            $"Event: {@event}\r\nExpires: {expires}\r\nContact: <{Contact}>\r\n"
            + (eventList ? "Supported: eventlist\r\n" : string.Empty)
            + "Accept: multipart/related, application/rlmi+xml, "
            + (@event == "dialog" ? "application/dialog-info+xml" : "application/pidf+xml") + "\r\n",
            callId: callId, toTag: toTag);

    public Task<SipMessage> InviteAsync(string target, string method = "INVITE") =>
        SendAsync(method, target, Aor, target, $"Contact: <{Contact}>\r\n", method == "MESSAGE" ? "hello" : null, method == "MESSAGE" ? "text/plain" : null);

    public async Task<SipMessage> SendAsync(
        string method, string requestUri, string from, string to, string extraHeaders, string? body = null, string? contentType = null,
        string? callId = null, string? toTag = null, int? cseq = null)
    {
        callId ??= Guid.NewGuid().ToString("N") + "@127.0.0.1";
        var response = await SendOnceAsync(method, requestUri, from, to, extraHeaders, body, contentType, callId, toTag, cseq);
        if (response.StatusCode != 401 || Credentials is not { } credentials)
            return response;
        string authorization = Authorization(response, credentials, method, requestUri, Algorithm);
        return await SendOnceAsync(method, requestUri, from, to, extraHeaders + authorization, body, contentType, callId, toTag, null);
    }

    /// <summary>The Authorization header line (with its CRLF) that answers a 401's first challenge, or its challenge of
    /// <paramref name="algorithmToken"/>.</summary>
    internal static string Authorization(
        SipMessage unauthorized, (string User, string Password) credentials, string method, string requestUri, string? algorithmToken = null)
    {
        var challenge = unauthorized.GetFields(HeaderId.WwwAuthenticate)
            .First(c => algorithmToken is null || c.Contains($"algorithm={algorithmToken}", StringComparison.Ordinal));
        string realm = Param(challenge, "realm"), nonce = Param(challenge, "nonce");
        var algorithm = challenge.Contains("SHA-256", StringComparison.Ordinal) ? DigestAlgorithm.Sha256 : DigestAlgorithm.Md5;
        string ha1 = DigestHash.ComputeHa1(algorithm, credentials.User, realm, credentials.Password);
        string cnonce = Guid.NewGuid().ToString("N")[..16];
        string digest = DigestHash.ComputeResponse(algorithm, ha1, nonce, "00000001", cnonce, "auth", method, requestUri);
        return $"Authorization: Digest username=\"{credentials.User}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{requestUri}\", "
            + $"response=\"{digest}\", algorithm={(algorithm == DigestAlgorithm.Sha256 ? "SHA-256" : "MD5")}, qop=auth, nc=00000001, cnonce=\"{cnonce}\"\r\n";
    }

    private static string Param(string challenge, string name)
    {
        int start = challenge.IndexOf(name + "=\"", StringComparison.Ordinal) + name.Length + 2;
        return challenge[start..challenge.IndexOf('"', start)];
    }

    private async Task<SipMessage> SendOnceAsync(
        string method, string requestUri, string from, string to, string extraHeaders, string? body, string? contentType,
        string callId, string? toTag, int? cseq)
    {
        string branch = "z9hG4bK" + Guid.NewGuid().ToString("N")[..16];
        int number = cseq ?? Interlocked.Increment(ref _cseq);
        string text = $"{method} {requestUri} SIP/2.0\r\n"
            + $"Via: SIP/2.0/UDP 127.0.0.1:{Port};branch={branch};rport\r\n"
            + "Max-Forwards: 70\r\n"
            + $"From: <{from}>;tag=ua{Port}\r\n"
            + $"To: <{to}>" + (toTag is null ? string.Empty : ";tag=" + toTag) + "\r\n"
            + $"Call-ID: {callId}\r\n"
            + $"CSeq: {number} {method}\r\n"
            + extraHeaders
            + (contentType is null ? string.Empty : $"Content-Type: {contentType}\r\n")
            + $"Content-Length: {Encoding.UTF8.GetByteCount(body ?? string.Empty)}\r\n\r\n"
            + body;
        var tcs = new TaskCompletionSource<SipMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[branch] = tcs;
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        // Retransmit like RFC 3261 timer E until an answer comes, for at most 8 s.
        for (int attempt = 0; attempt < 6 && !tcs.Task.IsCompleted; attempt++)
        {
            await _socket.SendToAsync(bytes, SocketFlags.None, _server);
            await Task.WhenAny(tcs.Task, Task.Delay(500 * (1 << Math.Min(attempt, 2))));
        }
        _pending.TryRemove(branch, out _);
        return tcs.Task.IsCompleted ? await tcs.Task : throw new TimeoutException($"No final response to {method}.");
    }

    /// <summary>The next NOTIFY received (already answered), or a timeout.</summary>
    public async Task<SipMessage> NextNotifyAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _notifies.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No NOTIFY arrived.");
        }
    }

    /// <summary>True when no NOTIFY arrives within <paramref name="wait"/>.</summary>
    public async Task<bool> NoNotifyWithinAsync(TimeSpan wait)
    {
        await Task.Delay(wait);
        return !_notifies.Reader.TryPeek(out _);
    }

    private async Task OnDatagramAsync(byte[] datagram, EndPoint from)
    {
        var parsed = SipParser.Parse(datagram);
        if (!parsed.Success)
            return;
        var message = parsed.Message!;
        if (message.IsResponse)
        {
            if (message.StatusCode >= 200 && message.TopVia?.Branch is { } b && _pending.TryGetValue(b, out var tcs))
                tcs.TrySetResult(message);
            return;
        }
        if (message.Method == SipMethods.Notify)
        {
            var answer = SipMessageBuilder.ResponseTo(message, NotifyAnswer, toTag: null).ToArray();
            await _socket.SendToAsync(answer, SocketFlags.None, from);
            if (NotifyAnswer == 200 && !IsRetransmission(message))
                _notifies.Writer.TryWrite(message);
        }
    }

    private readonly ConcurrentDictionary<string, byte> _seen = new();

    private bool IsRetransmission(SipMessage notify) => !_seen.TryAdd(notify.CallId + "/" + notify.CSeq, 0);

    public static string ExtendedOf(SipMessage notify)
    {
        string xml = Encoding.UTF8.GetString(notify.Body.Span);
        int start = xml.IndexOf("extended>", StringComparison.Ordinal);
        return start < 0 ? "-" : xml[(start + 9)..xml.IndexOf('<', start)];
    }

    public static string? NoteOf(SipMessage notify)
    {
        string xml = Encoding.UTF8.GetString(notify.Body.Span);
        int start = xml.IndexOf("<note>", StringComparison.Ordinal);
        return start < 0 ? null : System.Net.WebUtility.HtmlDecode(xml[(start + 6)..xml.IndexOf("</note>", start, StringComparison.Ordinal)]);
    }

    public ValueTask DisposeAsync() => _loop.DisposeAsync();
}
