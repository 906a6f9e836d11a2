using Presence.Core.Composite;
using Presence.Core.Documents;

namespace Presence.Core.Presentity;

public sealed partial class Presentity
{
    /// <summary>
    /// How an INVITE or MESSAGE to this user is answered (SPEC.md "Routing decisions"): do-not-disturb and
    /// unreachable users get 480 (with the comment) or a 302 to their voicemail; reachable users get a 302 with
    /// the registered contacts, then the alternative contacts, each with its q.
    /// </summary>
    public PresenceOutcome Route(DateTimeOffset now)
    {
        Expire(now);
        CompositePresence composite = Composite(now);
        if (composite.Status is ExtendedStatus.DoNotDisturb or ExtendedStatus.Unreachable)
        {
            if (composite.VoicemailUri is { } voicemail)
                return new PresenceOutcome(302) { Redirect = [new ReachableContact(voicemail, 1.0, Registered: false)] };
            return new PresenceOutcome(480) { Comment = composite.Note };
        }
        return new PresenceOutcome(302) { Redirect = [.. composite.RegisteredContacts, .. composite.AlternativeContacts] };
    }
}
