namespace Presence.Sip.Message;

/// <summary>Bounds on what the parser accepts. Anything past them is refused before it costs memory.</summary>
public sealed record SipParserLimits
{
    /// <summary>Largest whole message, headers and body (default 65,535: the largest UDP datagram).</summary>
    public int MaxMessageSize { get; init; } = 65_535;

    /// <summary>Most header fields in one message (default 128; real requests carry 10 to 30).</summary>
    public int MaxHeaderCount { get; init; } = 128;

    /// <summary>Longest single line, start line or header line, in bytes (default 8,192).</summary>
    public int MaxLineLength { get; init; } = 8_192;

    public static SipParserLimits Default { get; } = new();
}
