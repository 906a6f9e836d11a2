using System.Net;
using Presence.Sip.Message;

namespace Presence.Sip.Transport;

/// <summary>A message (or a message that failed to parse) as a transport received it.</summary>
public sealed class InboundMessage
{
    public InboundMessage(SipParseResult parse, SipDestination source, IPEndPoint local)
    {
        Parse = parse;
        Source = source;
        Local = local;
    }

    public SipParseResult Parse { get; }

    public SipMessage? Message => Parse.Message;

    public SipParseError Error => Parse.Error;

    /// <summary>The remote address and flow it came from.</summary>
    public SipDestination Source { get; }

    /// <summary>The local address it arrived on.</summary>
    public IPEndPoint Local { get; }

    /// <summary>
    /// Set when the source is over its rate (<see cref="SourceRateLimiter"/>): the transaction layer answers a
    /// request 503 with this many seconds in Retry-After and does nothing else with the message. Zero otherwise.
    /// </summary>
    public int RefusedRetryAfter { get; init; }
}

/// <summary>Hands a received message to the endpoint without letting a slow or failing handler stall a receive loop.</summary>
internal static class InboundDelivery
{
    public static void Deliver(Func<InboundMessage, ValueTask> onReceive, InboundMessage inbound, Action<Exception>? onError)
    {
        try
        {
            ValueTask task = onReceive(inbound);
            if (!task.IsCompletedSuccessfully)
                _ = ObserveAsync(task, onError);
        }
        catch (Exception ex)
        {
            onError?.Invoke(ex);
        }
    }

    private static async Task ObserveAsync(ValueTask task, Action<Exception>? onError)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            onError?.Invoke(ex);
        }
    }
}
