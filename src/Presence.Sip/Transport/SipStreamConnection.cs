using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Presence.Sip.Message;

namespace Presence.Sip.Transport;

/// <summary>
/// One TCP or TLS connection (a flow, RFC 5626): it frames messages by Content-Length (RFC 3261 §18.3),
/// answers double-CRLF keep-alives with a CRLF (RFC 5626 §3.5.1), closes itself when idle, and serialises
/// writes. The transport owns its lifetime.
/// </summary>
internal sealed class SipStreamConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closed = new();
    private readonly SipParserLimits _limits;
    private readonly SipStreamOptions _options;
    private readonly SourceRateLimiter? _limiter;
    private int _disposed;

    public SipStreamConnection(
        long id, SipTransportKind kind, Socket socket, Stream stream, SipParserLimits limits, SipStreamOptions options,
        SourceRateLimiter? limiter = null)
    {
        _limiter = limiter;
        Id = id;
        Kind = kind;
        _socket = socket;
        _stream = stream;
        _limits = limits;
        _options = options;
        Remote = Normalize((IPEndPoint)socket.RemoteEndPoint!);
        Local = Normalize((IPEndPoint)socket.LocalEndPoint!);
    }

    public long Id { get; }

    public SipTransportKind Kind { get; }

    public IPEndPoint Remote { get; }

    public IPEndPoint Local { get; }

    public SipDestination Destination => new(Kind, Remote, Id);

    public CancellationToken Closed => _closed.Token;

    /// <summary>True when the connection was closed because a header section did not arrive in time.</summary>
    public bool HeaderTimedOut { get; private set; }

    /// <summary>Reads until the peer closes, the connection idles out, a header section is too slow, or framing is lost.</summary>
    /// <param name="expectRequest">
    /// An accepted connection: its peer opened it to send a request, so the header timeout runs from now, as
    /// Kestrel's runs from a connection's start. Otherwise a connection opened and left silent would be held for
    /// the whole idle timeout. Not for connections we open: the peer owes us only the response to what we send.
    /// </param>
    public async Task RunAsync(Func<InboundMessage, ValueTask> onReceive, Action<Exception>? onError, bool expectRequest = false)
    {
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token);
        // When the header section now awaited began (its first byte, or the accept); 0 when none is awaited.
        long headerStarted = expectRequest ? Stopwatch.GetTimestamp() : 0;
        bool headerDeadline = false;
        bool halfClosed = false;
        try
        {
            while (true)
            {
                deadline.CancelAfter(ReadTimeout(headerStarted, out headerDeadline));
                ReadResult read = await reader.ReadAsync(deadline.Token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = read.Buffer;
                bool keepGoing = Consume(ref buffer, onReceive, onError, out bool pong, out bool tookMessage, out bool headerPending);
                reader.AdvanceTo(buffer.Start, buffer.End);
                // A message taken from this read means what is left is a new one, begun now.
                if (!headerPending)
                    headerStarted = 0;
                else if (headerStarted == 0 || tookMessage)
                    headerStarted = Stopwatch.GetTimestamp();
                if (pong)
                    await SendAsync("\r\n"u8.ToArray()).ConfigureAwait(false);
                if (!keepGoing)
                    break;
                if (read.IsCompleted)
                {
                    // The peer will send nothing more; it may still be reading (RFC 3261 §18.2.2 has the answer go on
                    // this connection while it is open).
                    halfClosed = true;
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            HeaderTimedOut = headerDeadline && !_closed.IsCancellationRequested;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
        if (halfClosed && !_closed.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.HalfClosedLinger, _closed.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    // A read waits for the idle timeout, or for what is left of the header timeout when a header section is
    // pending and that comes first (headerDeadline).
    private TimeSpan ReadTimeout(long headerStarted, out bool headerDeadline)
    {
        headerDeadline = false;
        if (headerStarted == 0)
            return _options.IdleTimeout;
        TimeSpan left = _options.HeaderTimeout - Stopwatch.GetElapsedTime(headerStarted);
        if (left >= _options.IdleTimeout)
            return _options.IdleTimeout;
        headerDeadline = true;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    // Returns false when the stream can no longer be delimited and must be closed. headerPending: what is left
    // in the buffer is the start of a message whose header section has not ended.
    private bool Consume(
        ref ReadOnlySequence<byte> buffer, Func<InboundMessage, ValueTask> onReceive, Action<Exception>? onError,
        out bool pong, out bool tookMessage, out bool headerPending)
    {
        pong = false;
        tookMessage = false;
        headerPending = false;
        while (!buffer.IsEmpty)
        {
            // RFC 5626 §3.5.1: CRLFCRLF is a ping, answered with CRLF; a lone CRLF is a pong (or padding), ignored.
            if (StartsWith(buffer, "\r\n\r\n"u8))
            {
                pong = true;
                buffer = buffer.Slice(4);
                continue;
            }
            if (StartsWith(buffer, "\r\n"u8))
            {
                if (buffer.Length < 4 && IsPrefixOfPing(buffer))
                    break;
                buffer = buffer.Slice(2);
                continue;
            }
            ReadOnlySpan<byte> data = buffer.IsSingleSegment ? buffer.FirstSpan : buffer.ToArray();
            int length = SipParser.FrameStreamMessage(data, _limits, out SipParseError frameError);
            if (length == 0)
            {
                headerPending = data.IndexOf("\r\n\r\n"u8) < 0;
                break;
            }
            if (length < 0)
            {
                // Tell the peer why (if the header block can be read and the source is not over its rate), then
                // give up on this stream.
                int headerEnd = data.IndexOf("\r\n\r\n"u8);
                if (headerEnd > 0 && Admit(data[..(headerEnd + 4)], out int retryAfter))
                {
                    byte[] head = data[..(headerEnd + 4)].ToArray();
                    SipParseResult parsed = SipParser.Parse(head, 0, head.Length, _limits);
                    Deliver(onReceive, onError, parsed with { Error = frameError }, retryAfter);
                }
                return false;
            }
            tookMessage = true;
            if (Admit(data[..length], out int refusedRetryAfter))
            {
                byte[] bytes = data[..length].ToArray();
                Deliver(onReceive, onError, SipParser.Parse(bytes, 0, bytes.Length, _limits), refusedRetryAfter);
            }
            buffer = buffer.Slice(length);
        }
        return true;
    }

    // Charged once framed and before it is parsed, like a datagram (SourceRateLimiter).
    private bool Admit(ReadOnlySpan<byte> message, out int refusedRetryAfter)
    {
        refusedRetryAfter = 0;
        return _limiter is null || _limiter.TryAdmit(Remote.Address, message, out refusedRetryAfter);
    }

    private void Deliver(Func<InboundMessage, ValueTask> onReceive, Action<Exception>? onError, SipParseResult parsed, int refusedRetryAfter) =>
        InboundDelivery.Deliver(onReceive, new InboundMessage(parsed, Destination, Local) { RefusedRetryAfter = refusedRetryAfter }, onError);

    public async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> bytes)
    {
        if (_closed.IsCancellationRequested)
            return false;
        try
        {
            await _writeLock.WaitAsync(_closed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        try
        {
            await _stream.WriteAsync(bytes, _closed.Token).ConfigureAwait(false);
            await _stream.FlushAsync(_closed.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            _closed.Cancel();
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static bool StartsWith(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> prefix)
    {
        if (buffer.Length < prefix.Length)
            return false;
        if (buffer.FirstSpan.Length >= prefix.Length)
            return buffer.FirstSpan.StartsWith(prefix);
        Span<byte> head = stackalloc byte[prefix.Length];
        buffer.Slice(0, prefix.Length).CopyTo(head);
        return head.SequenceEqual(prefix);
    }

    private static bool IsPrefixOfPing(ReadOnlySequence<byte> buffer)
    {
        Span<byte> head = stackalloc byte[(int)buffer.Length];
        buffer.CopyTo(head);
        return "\r\n\r\n"u8.StartsWith(head);
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _closed.CancelAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }
}
