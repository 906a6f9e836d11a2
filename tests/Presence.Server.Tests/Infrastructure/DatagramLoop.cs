using System.Net;
using System.Net.Sockets;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>
/// The receive loop of the tests' UDP clients: every datagram on the socket, copied, to a handler. Disposing it
/// stops the loop and closes the socket.
/// </summary>
public sealed class DatagramLoop : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public DatagramLoop(Socket socket, Func<byte[], EndPoint, Task> onDatagram)
    {
        _socket = socket;
        _loop = Task.Run(() => RunAsync(onDatagram));
    }

    private async Task RunAsync(Func<byte[], EndPoint, Task> onDatagram)
    {
        var buffer = new byte[65_536];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP error for something sent earlier: keep listening.
                continue;
            }
            await onDatagram(buffer.AsSpan(0, r.ReceivedBytes).ToArray(), r.RemoteEndPoint);
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
            // A handler failing as the socket closed under it: the test is over either way.
        }
        _stop.Dispose();
    }
}
