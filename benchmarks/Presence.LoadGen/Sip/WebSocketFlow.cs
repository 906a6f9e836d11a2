using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Presence.Sip.Message;
using Presence.Sip.Transport;

namespace Presence.LoadGen.Sip;

/// <summary>
/// One SIP over WebSocket flow (RFC 7118) to the server, as a browser client holds it: a TCP connection from a chosen
/// loopback address, the HTTP upgrade with the subprotocol "sip", then one SIP message per WebSocket message. Its
/// sends are one at a time (a WebSocket takes one send at once); what it receives goes to the endpoint as if from the
/// server's flow.
/// </summary>
internal sealed class WebSocketFlow : ISipSender, IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly WebSocket _webSocket;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly SipDestination _server;
    private readonly Task _receive;

    private WebSocketFlow(Socket socket, WebSocket webSocket, SipDestination server, Func<InboundMessage, ValueTask> onReceive, Action<Exception> onError)
    {
        _socket = socket;
        _webSocket = webSocket;
        _server = server;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _receive = Task.Run(() => ReceiveLoopAsync(onReceive, onError));
    }

    public IPEndPoint LocalEndPoint { get; }

    public static async Task<WebSocketFlow> ConnectAsync(IPEndPoint bind, IPEndPoint server, Func<InboundMessage, ValueTask> onReceive, Action<Exception> onError)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(bind);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(server, timeout.Token).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: false);
            string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            string host = server.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{server.Address}]:{server.Port}" : server.ToString();
            byte[] request = Encoding.ASCII.GetBytes(
                $"GET / HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n");
            await stream.WriteAsync(request, timeout.Token).ConfigureAwait(false);
            string head = await ReadHeadAsync(stream, timeout.Token).ConfigureAwait(false);
            if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
                throw new InvalidOperationException($"The server refused the WebSocket: {head.Split('\r')[0]}");
            var webSocket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, SubProtocol = "sip", KeepAliveInterval = TimeSpan.Zero });
            return new WebSocketFlow(socket, webSocket, new SipDestination(SipTransportKind.Ws, server, 1), onReceive, onError);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>(256);
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0 || head.Count > 8192)
                throw new IOException("The server closed the connection during the WebSocket handshake.");
            head.Add(one[0]);
        }
        return Encoding.ASCII.GetString(head.ToArray());
    }

    public async ValueTask<bool> SendAsync(SipDestination destination, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_webSocket.State != WebSocketState.Open)
                return false;
            await _webSocket.SendAsync(message, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task ReceiveLoopAsync(Func<InboundMessage, ValueTask> onReceive, Action<Exception> onError)
    {
        var buffer = new byte[70_000];
        try
        {
            while (_webSocket.State == WebSocketState.Open)
            {
                int count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _webSocket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None).ConfigureAwait(false);
                    count += result.Count;
                }
                while (!result.EndOfMessage && count < buffer.Length);
                if (result.MessageType == WebSocketMessageType.Close)
                    return;
                byte[] bytes = buffer.AsSpan(0, count).ToArray();
                await onReceive(new InboundMessage(SipParser.Parse(bytes, 0, bytes.Length, SipParserLimits.Default), _server, LocalEndPoint)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            if (_webSocket.State is not (WebSocketState.Aborted or WebSocketState.Closed))
                onError(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _webSocket.Abort();
        _socket.Dispose();
        await _receive.ConfigureAwait(false);
        _webSocket.Dispose();
        _send.Dispose();
    }
}
