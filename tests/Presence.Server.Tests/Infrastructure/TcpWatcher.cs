using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// A watcher on one TCP connection, as a phone behind NAT keeps one: it sends its requests on it and expects every
/// NOTIFY back on it (it listens nowhere else), answering each 200 on the same connection.
/// </summary>
internal sealed class TcpWatcher : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SipMessage>> _pending = new();
    private readonly Channel<SipMessage> _notifies = Channel.CreateUnbounded<SipMessage>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _cseq = 1;

    private TcpWatcher(Socket socket, string user, string? contact)
    {
        _socket = socket;
        LocalPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        Aor = $"sip:{user}@example.com";
        Contact = contact ?? $"sip:{user}@127.0.0.1:{LocalPort};transport=tcp";
        _loop = Task.Run(ReadLoopAsync);
    }

    public string Aor { get; }

    public string Contact { get; }

    public int LocalPort { get; }

    /// <param name="contact">The Contact it sends; by default its own end of the connection. A phone behind NAT
    /// sends its private address, which nobody outside can reach.</param>
    public static async Task<TcpWatcher> ConnectAsync(int port, string user, string? contact = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return new TcpWatcher(socket, user, contact);
    }

    public Task<SipMessage> SubscribeAsync(string presentity, string requestUri, string extraHeaders = "", string callId = "", string? toTag = null, int expires = 600) =>
        SendAsync("SUBSCRIBE", requestUri, presentity,
            $"Event: presence\r\nExpires: {expires}\r\nContact: <{Contact}>\r\nAccept: application/pidf+xml\r\n" + extraHeaders, callId, toTag);

    /// <summary>Digest credentials (user part and password) used to answer a 401; null answers nothing.</summary>
    public (string User, string Password)? Credentials { get; set; }

    public async Task<SipMessage> SendAsync(string method, string requestUri, string to, string extraHeaders, string callId, string? toTag)
    {
        if (callId.Length == 0)
            callId = Guid.NewGuid().ToString("N") + "@127.0.0.1";
        var response = await SendOnceAsync(method, requestUri, to, extraHeaders, callId, toTag);
        if (response.StatusCode != 401 || Credentials is not { } credentials)
            return response;
        return await SendOnceAsync(method, requestUri, to, extraHeaders + TestUserAgent.Authorization(response, credentials, method, requestUri), callId, toTag);
    }

    private async Task<SipMessage> SendOnceAsync(string method, string requestUri, string to, string extraHeaders, string callId, string? toTag)
    {
        string branch = "z9hG4bK" + Guid.NewGuid().ToString("N")[..16];
        string text = $"{method} {requestUri} SIP/2.0\r\n"
            + $"Via: SIP/2.0/TCP 127.0.0.1:{LocalPort};branch={branch};rport\r\n"
            + "Max-Forwards: 70\r\n"
            + $"From: <{Aor}>;tag=tcp{LocalPort}\r\n"
            + $"To: <{to}>" + (toTag is null ? string.Empty : ";tag=" + toTag) + "\r\n"
            + $"Call-ID: {callId}\r\n"
            + $"CSeq: {Interlocked.Increment(ref _cseq)} {method}\r\n"
            + extraHeaders
            + "Content-Length: 0\r\n\r\n";
        var answer = new TaskCompletionSource<SipMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[branch] = answer;
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), SocketFlags.None);
        // TCP is reliable: no retransmission (RFC 3261 §17.1.2.2), timer F's 32 s is far more than a test waits.
        return await answer.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task<SipMessage> NextNotifyAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _notifies.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No NOTIFY arrived on the connection.");
        }
    }

    private async Task ReadLoopAsync()
    {
        var received = new List<byte>();
        var buffer = new byte[16_384];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
            if (n == 0)
                return;
            received.AddRange(buffer.AsSpan(0, n));
            while (true)
            {
                byte[] all = received.ToArray();
                int length = SipParser.FrameStreamMessage(all, SipParserLimits.Default, out _);
                if (length <= 0)
                    break;
                received.RemoveRange(0, length);
                if (SipParser.Parse(all, 0, length).Message is { } message)
                    await OnMessageAsync(message);
            }
        }
    }

    private async Task OnMessageAsync(SipMessage message)
    {
        if (message.IsResponse)
        {
            if (message.StatusCode >= 200 && message.TopVia?.Branch is { } branch && _pending.TryRemove(branch, out var answer))
                answer.TrySetResult(message);
            return;
        }
        if (message.Method == SipMethods.Notify)
        {
            await _socket.SendAsync(SipMessageBuilder.ResponseTo(message, 200).ToArray(), SocketFlags.None);
            _notifies.Writer.TryWrite(message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
            // The loop ends with the socket; how it ends does not matter here.
        }
        _stop.Dispose();
    }
}
