using Presence.Core.Model;

namespace Presence.Grains.Notify;

/// <summary>
/// Where a user's grain hands the NOTIFYs of a turn, after the turn's write is durable: the host sends each from
/// the SIP node named by its <see cref="NotifyMessage.Edge"/> (this process, or another member of the cluster)
/// and reports a failed one back to the grain (<see cref="IPresentityGrain.NotifyFailed"/>). Completes once every
/// NOTIFY has been handed to a transport, so that NOTIFYs of one user leave in the order of its turns.
/// </summary>
public interface INotifyDelivery
{
    /// <param name="turnAt">When the turn that caused them ran (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>), for the delay histogram.</param>
    /// <returns>False when some could not be handed to any SIP node: the grain then leaves memory, and its next
    /// activation sends the document again (the change is stored with its unsent mark).</returns>
    Task<bool> DeliverAsync(string aor, IReadOnlyList<NotifyMessage> notifies, long turnAt);
}

/// <summary>Where a grain reports a change of its user's composite status (the history entry it stored).</summary>
public interface IPresenceChangeSink
{
    void Changed(string aor, HistoryEntry entry);
}
