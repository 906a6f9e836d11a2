using Presence.Sip.Transport;

namespace Presence.LoadGen.Sip;

/// <summary>
/// The last check before a byte leaves: whatever a response or a server's Contact says, nothing goes to an
/// address off this machine. A refused send looks like an unreachable destination to the transaction layer.
/// </summary>
internal sealed class LoopbackOnlySender(ISipSender inner) : ISipSender
{
    private long _refused;

    public long Refused => Interlocked.Read(ref _refused);

    public ValueTask<bool> SendAsync(SipDestination destination, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (LoopbackTarget.IsLoopback(destination.EndPoint.Address))
            return inner.SendAsync(destination, message, cancellationToken);
        Interlocked.Increment(ref _refused);
        return ValueTask.FromResult(false);
    }
}
