using System.Net;

namespace Presence.Sip.Transport;

public enum SipTransportKind : byte
{
    Udp,
    Tcp,
    Tls,

    /// <summary>SIP over WebSocket (RFC 7118), "WS" in Via.</summary>
    Ws,

    /// <summary>SIP over secure WebSocket (RFC 7118), "WSS" in Via.</summary>
    Wss,
}

/// <summary>
/// Where a message came from or goes to: the transport, the remote address, and for stream transports the
/// flow (connection) it arrived on, so that responses and later requests reuse it (RFC 5626 §5.3, RFC 3261 §18.2.2).
/// </summary>
public readonly record struct SipDestination(SipTransportKind Transport, IPEndPoint EndPoint, long FlowId = 0)
{
    public bool IsReliable => Transport != SipTransportKind.Udp;

    public override string ToString() => $"{Transport.ToString().ToUpperInvariant()}:{EndPoint}" + (FlowId != 0 ? $"#{FlowId}" : string.Empty);
}

/// <summary>Sends bytes to a destination; what the transaction layer needs of the transports.</summary>
public interface ISipSender
{
    /// <summary>True when the bytes were handed to the network; false when the destination cannot be reached
    /// (no route, connection refused or gone), which a client transaction reports as a transport error.</summary>
    ValueTask<bool> SendAsync(SipDestination destination, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default);
}

public static class SipTransportNames
{
    public static string ToViaToken(this SipTransportKind kind) => kind switch
    {
        SipTransportKind.Udp => "UDP",
        SipTransportKind.Tcp => "TCP",
        SipTransportKind.Ws => "WS",
        SipTransportKind.Wss => "WSS",
        _ => "TLS",
    };

    public static bool TryParse(string? token, out SipTransportKind kind)
    {
        switch (token?.ToUpperInvariant())
        {
            case "UDP": kind = SipTransportKind.Udp; return true;
            case "TCP": kind = SipTransportKind.Tcp; return true;
            case "TLS": kind = SipTransportKind.Tls; return true;
            case "WS": kind = SipTransportKind.Ws; return true;
            case "WSS": kind = SipTransportKind.Wss; return true;
            default: kind = default; return false;
        }
    }
}
