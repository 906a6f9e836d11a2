using System.Net;

namespace Presence.Sip.Transport;

/// <summary>Settings of <see cref="SourceRateLimiter"/>.</summary>
public sealed record SourceRateLimiterOptions
{
    /// <summary>Requests a source may send per second, on average (default 200). A phone sends a handful a
    /// minute; a busy edge proxy or an office behind one NAT address sends more.</summary>
    public double RequestsPerSecond { get; init; } = 200;

    /// <summary>Requests a source may send at once after a quiet spell (default 400): a phone that re-registers
    /// and re-subscribes to its whole buddy list after a network change stays within it.</summary>
    public int Burst { get; init; } = 400;

    /// <summary>Most sources tracked at once (default 100,000, a few MB). Past it, new sources share one bucket
    /// until idle ones are swept, so a flood from many (spoofed) addresses cannot grow memory without bound.</summary>
    public int MaxTrackedSources { get; init; } = 100_000;

    /// <summary>How often buckets that have filled up again are forgotten (default 10 s).</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Sources never limited: a trusted edge proxy, a monitoring host.</summary>
    public IReadOnlyList<IPNetwork> Exempt { get; init; } = [];
}
