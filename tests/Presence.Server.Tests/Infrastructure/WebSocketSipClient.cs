using System.Net.WebSockets;
using System.Text;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>A SIP user agent on a WebSocket, as JsSIP is: every request and response one text message.</summary>
public sealed class WebSocketSipClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly System.Threading.Channels.Channel<SipMessage> _responses = System.Threading.Channels.Channel.CreateUnbounded<SipMessage>();
    private readonly System.Threading.Channels.Channel<SipMessage> _notifies = System.Threading.Channels.Channel.CreateUnbounded<SipMessage>();
    private readonly Task _loop;
    private readonly string _host = Guid.NewGuid().ToString("N")[..10] + ".invalid";
    private int _cseq;

    private WebSocketSipClient(ClientWebSocket socket, string user)
    {
        _socket = socket;
        Contact = $"sip:{user}@{_host};transport=ws";
        _loop = Task.Run(ReceiveLoopAsync);
    }

    public string Contact { get; }

    /// <summary>WS or WSS, as the client writes it in its Via.</summary>
    public string Transport { get; set; } = "WS";

    public static Task<WebSocketSipClient> ConnectAsync(int port, string user) => ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), user);

    public static async Task<WebSocketSipClient> ConnectAsync(Uri uri, string user, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("sip");
        configure?.Invoke(socket.Options);
        await socket.ConnectAsync(uri, new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        Assert.Equal("sip", socket.SubProtocol);
        return new WebSocketSipClient(socket, user);
    }

    public async Task<SipMessage> SendAsync(
        string method, string uri, string from, string to, string headers, (string User, string Password)? credentials, string? body = null)
    {
        string callId = Guid.NewGuid().ToString("N");
        SipMessage response = await SendOnceAsync(method, uri, from, to, headers, callId, body);
        if (response.StatusCode == 401 && credentials is { } c)
            response = await SendOnceAsync(method, uri, from, to, headers + TestUserAgent.Authorization(response, c, method, uri), callId, body);
        return response;
    }

    private async Task<SipMessage> SendOnceAsync(string method, string uri, string from, string to, string headers, string callId, string? body)
    {
        string text = $"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/{Transport} {_host};branch=z9hG4bK{Guid.NewGuid():N}\r\nMax-Forwards: 70\r\n"
            + $"From: <{from}>;tag=ws{_host[..6]}\r\nTo: <{to}>\r\nCall-ID: {callId}\r\nCSeq: {Interlocked.Increment(ref _cseq)} {method}\r\n"
            + headers + $"Content-Length: {Encoding.UTF8.GetByteCount(body ?? "")}\r\n\r\n" + body;
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            SipMessage response = await _responses.Reader.ReadAsync(timeout.Token);
            if (response.StatusCode >= 200)
                return response;
        }
    }

    /// <summary>The next NOTIFY received (already answered 200), or a TimeoutException.</summary>
    public async Task<SipMessage> NextNotifyAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _notifies.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No NOTIFY arrived on the WebSocket.");
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[65536];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                int count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    count += result.Count;
                }
                while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                    return;
                Assert.Equal(WebSocketMessageType.Text, result.MessageType);
                SipMessage message = SipParser.Parse(buffer.AsSpan(0, count).ToArray()).Message!;
                if (message.IsResponse)
                {
                    await _responses.Writer.WriteAsync(message);
                    continue;
                }
                byte[] ok = SipMessageBuilder.ResponseTo(message, 200).ToArray();
                await _socket.SendAsync(ok, WebSocketMessageType.Text, true, CancellationToken.None);
                if (message.Method == "NOTIFY")
                    await _notifies.Writer.WriteAsync(message);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // Closed or aborted under it.
        }
    }

    public async Task CloseAsync()
    {
        if (_socket.State == WebSocketState.Open)
            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _loop;
        _socket.Dispose();
    }
}
