using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime.Services;
using Orleans.Services;
using Presence.Grains.Notify;

namespace Presence.Server.Notify;

/// <summary>
/// The NOTIFY sender of one SIP node, addressed by its silo: a user's grain on a core silo hands it the NOTIFYs of
/// watchers whose flows this node holds (their TCP or TLS connection, or their NAT binding), and it sends them as if
/// the grain were here. A GrainService, because it is per silo and addressed by silo address (ORLEANS-NOTES.md measured
/// it the fastest of the three ways: 17.6k fan-out calls/s against 15.6k for an observer and 13.7k for a pinned grain).
/// </summary>
public interface IEdgeNotifier : IGrainService
{
    /// <summary>Sends the NOTIFYs (in order) and returns once each is handed to a transport.</summary>
    Task Send(string aor, NotifyMessage[] notifies);
}

[Reentrant]
public sealed class EdgeNotifier(GrainId id, Silo silo, ILoggerFactory loggerFactory, NotifySender sender)
    : GrainService(id, silo, loggerFactory), IEdgeNotifier
{
    public Task Send(string aor, NotifyMessage[] notifies)
    {
        long arrived = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var notify in notifies)
            sender.Send(aor, notify, arrived);
        return Task.CompletedTask;
    }
}

/// <summary>Reaches the <see cref="IEdgeNotifier"/> of a given silo.</summary>
public interface IEdgeNotifierClient
{
    IEdgeNotifier On(SiloAddress silo);
}

public sealed class EdgeNotifierClient(IServiceProvider services) : GrainServiceClient<IEdgeNotifier>(services), IEdgeNotifierClient
{
    public IEdgeNotifier On(SiloAddress silo) => GetGrainService(silo);
}
