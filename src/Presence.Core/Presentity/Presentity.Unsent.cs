using Presence.Core.Persistence;

namespace Presence.Core.Presentity;

public sealed partial class Presentity
{
    /// <summary>
    /// How long after a change the reminder looks whether its NOTIFYs have left. It bounds how late the watchers
    /// of a user nobody touches hear of a change whose NOTIFYs a crash took, and it is the time the host has to
    /// send them before the marker is cleared; changes within it share one clearing write.
    /// </summary>
    internal static readonly TimeSpan UnsentCheckDelay = TimeSpan.FromSeconds(2);

    // Non-null while the store holds (or this turn's write will hold) the marker saying that NOTIFYs of a stored
    // change may not have left yet: when the reminder is to look whether they have.
    private DateTimeOffset? _unsentCheckAt;

    /// <summary>True while NOTIFYs of a stored change may not have been handed to the transport yet.</summary>
    public bool HasUnsentNotifies => _unsentCheckAt is not null;

    /// <summary>
    /// The host has handed every NOTIFY of the earlier turns to the transport: the stored marker goes. Call it
    /// before the turn's own logic, whose NOTIFYs are still to be sent.
    /// </summary>
    public void NotifiesSent()
    {
        if (_unsentCheckAt is null)
            return;
        _unsentCheckAt = null;
        Changes.Delete(PresentityItems.UnsentKind, string.Empty);
    }

    /// <summary>
    /// The NOTIFYs just recorded leave only after this turn's write is durable, and a crash in between would lose
    /// them while the store already names their document as sent: the same write says they may not have left,
    /// so the next load sends the document again (see <see cref="Load"/>), and the reminder comes back soon.
    /// </summary>
    private void MarkUnsent(DateTimeOffset now)
    {
        if (_unsentCheckAt is null)
            Changes.Upsert(PresentityItems.UnsentKind, string.Empty, PresentityItems.SerializeUnsent(now));
        _unsentCheckAt = now + UnsentCheckDelay;
    }

    // The reminder came while the NOTIFYs are still on their way (a slow transport): they are not sent twice,
    // the reminder looks again later. Memory only: after a crash the stored, earlier time wakes the user sooner.
    private void PostponeUnsentCheck(DateTimeOffset now)
    {
        if (_unsentCheckAt <= now)
            _unsentCheckAt = now + UnsentCheckDelay;
    }
}
