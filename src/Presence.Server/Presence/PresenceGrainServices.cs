using Microsoft.Extensions.Logging;
using Presence.Cluster.Storage;
using Presence.Core;

namespace Presence.Server.Presence;

/// <summary>What every presentity grain shares: the store, the group committer, the NOTIFY sender, the clock.</summary>
public sealed class PresenceGrainServices(
    IGrainStore store, GroupCommitter committer, NotifySender notifier, PresenceChangeFeed feed,
    PresenceOptions options, TimeProvider time, ILogger<PresentityGrain> logger, Telemetry.PresenceTally? tally = null)
{
    public IGrainStore Store { get; } = store;

    public GroupCommitter Committer { get; } = committer;

    public NotifySender Notifier { get; } = notifier;

    public PresenceChangeFeed Feed { get; } = feed;

    public PresenceOptions Options { get; } = options;

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = logger;

    /// <summary>What the users in memory hold, for the gauges.</summary>
    public Telemetry.PresenceTally Tally { get; } = tally ?? new();
}
