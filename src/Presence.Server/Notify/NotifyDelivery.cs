using Microsoft.Extensions.Logging;
using Presence.Grains.Notify;
using Presence.Server.Cluster;
using Presence.Server.Presence;

namespace Presence.Server.Notify;

/// <summary>
/// Where a user's grain hands its NOTIFYs: each leaves from the SIP node that holds its watcher's flow
/// (<see cref="NotifyMessage.Edge"/>), this process directly, another member through its <see cref="IEdgeNotifier"/>,
/// one call per node per turn. A node that is gone (or does not answer) is replaced: the same endpoint restarted,
/// else this process if it speaks SIP, else any live SIP node; on UDP that still reaches the watcher, and on TCP a
/// connection that died with its node makes the NOTIFY fail, which ends the subscription as RFC 6665 §4.2.2 says.
/// </summary>
public sealed class NotifyDelivery(
    NotifySender sender, ClusterMembers members, IEdgeNotifierClient edges, ClusterOptions options, ILogger<NotifyDelivery> logger) : INotifyDelivery
{
    private readonly bool _speaksSip = options.Role != Edge.ClusterRole.Silo;

    public async Task<bool> DeliverAsync(string aor, IReadOnlyList<NotifyMessage> notifies, long turnAt)
    {
        // The single process, and every NOTIFY of a watcher whose flow is here: no hop at all.
        if (_speaksSip && AllLocal(notifies))
        {
            foreach (var notify in notifies)
                sender.Send(aor, notify, turnAt);
            return true;
        }
        bool all = true;
        foreach (var group in notifies.GroupBy(n => Local(n) ? members.SelfEdge : n.Edge!))
        {
            if (group.Key == members.SelfEdge && _speaksSip)
            {
                foreach (var notify in group)
                    sender.Send(aor, notify, turnAt);
                continue;
            }
            all &= await SendThroughAsync(aor, group.Key, [.. group], turnAt).ConfigureAwait(false);
        }
        return all;
    }

    private bool AllLocal(IReadOnlyList<NotifyMessage> notifies)
    {
        foreach (var notify in notifies)
        {
            if (!Local(notify))
                return false;
        }
        return true;
    }

    // No edge named (a subscription stored before edges were recorded) is served by whoever delivers.
    private bool Local(NotifyMessage notify) => notify.Edge is null || notify.Edge == members.SelfEdge;

    private async Task<bool> SendThroughAsync(string aor, string edge, NotifyMessage[] batch, long turnAt)
    {
        SiloAddress target;
        try
        {
            target = SiloAddress.FromParsableString(edge);
        }
        catch (FormatException)
        {
            target = members.Self;
        }
        if (!members.IsActive(target))
            return await SendInsteadAsync(aor, target, batch, turnAt, reason: null).ConfigureAwait(false);
        try
        {
            await edges.On(target).Send(aor, batch).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (IsUnreachable(ex))
        {
            return await SendInsteadAsync(aor, target, batch, turnAt, ex).ConfigureAwait(false);
        }
    }

    private async Task<bool> SendInsteadAsync(string aor, SiloAddress gone, NotifyMessage[] batch, long turnAt, Exception? reason)
    {
        var instead = members.SipNodeInsteadOf(gone, _speaksSip);
        if (instead is null)
        {
            PresenceLog.NoSipNode(logger, batch.Length, aor, gone.ToString());
            return false;
        }
        if (reason is not null)
            PresenceLog.EdgeUnreachable(logger, reason, gone.ToString(), batch.Length, aor, instead.ToString());
        if (instead.Equals(members.Self))
        {
            foreach (var notify in batch)
                sender.Send(aor, notify, turnAt);
            return true;
        }
        try
        {
            await edges.On(instead).Send(aor, batch).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (IsUnreachable(ex))
        {
            PresenceLog.NoSipNode(logger, batch.Length, aor, gone.ToString());
            return false;
        }
    }

    // What a call to a silo that died, left or hangs throws; anything else is a bug and propagates.
    private static bool IsUnreachable(Exception ex) =>
        ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or Orleans.Runtime.Messaging.ConnectionFailedException;
}
