using System.Net.Sockets;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// A stream over a connected socket that lets through only the first <c>maxBytes</c> written, or only
/// <c>maxWrites</c> writes, and then closes the socket: a TLS client that dies in the middle of its handshake.
/// </summary>
public sealed class TruncatingStream(Socket socket, int maxBytes = int.MaxValue, int maxWrites = int.MaxValue) : Stream
{
    private readonly NetworkStream _inner = new(socket, ownsSocket: false);
    private int _written, _writes;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_writes >= maxWrites)
            Cut();
        int allowed = Math.Min(buffer.Length, maxBytes - _written);
        if (allowed > 0)
        {
            await _inner.WriteAsync(buffer[..allowed], cancellationToken);
            _written += allowed;
        }
        _writes++;
        if (allowed < buffer.Length)
            Cut();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // The last write allowed has gone: vanish instead of reading the server's answer.
        if (_writes >= maxWrites || _written >= maxBytes)
            Cut();
        return await _inner.ReadAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Cut()
    {
        socket.Close();
        throw new IOException("The test cut the connection here.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}
