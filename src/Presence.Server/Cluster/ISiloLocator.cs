using Presence.Sip.Transport;

namespace Presence.Server.Cluster;

/// <summary>What to do with a request for one address of record.</summary>
public enum SiloRouteKind
{
    /// <summary>This process owns the user: serve the request here.</summary>
    Local,

    /// <summary>Another silo owns the user: forward the request to <see cref="SiloRoute.Destination"/>.</summary>
    Remote,

    /// <summary>No silo can take the user now (no Active silo, a partition in handover, this silo fenced):
    /// answer 503 with Retry-After.</summary>
    Unavailable,
}

/// <summary>The answer of <see cref="ISiloLocator.Locate"/>.</summary>
public readonly record struct SiloRoute(SiloRouteKind Kind, SipDestination Destination = default, int RetryAfterSeconds = 1)
{
    public static SiloRoute Local { get; } = new(SiloRouteKind.Local);

    public static SiloRoute Unavailable(int retryAfterSeconds = 1) => new(SiloRouteKind.Unavailable, default, retryAfterSeconds);

    public static SiloRoute Remote(SipDestination silo) => new(SiloRouteKind.Remote, silo);
}

/// <summary>
/// Which silo serves an address of record (a normalized "sip:user@domain", as AorResolver makes it). The
/// single process answers Local for everything; a cluster answers from the membership ring.
/// </summary>
public interface ISiloLocator
{
    SiloRoute Locate(string aor);
}

/// <summary>One process, no cluster: every user is served here.</summary>
public sealed class SingleProcessLocator : ISiloLocator
{
    public SiloRoute Locate(string aor) => SiloRoute.Local;
}
