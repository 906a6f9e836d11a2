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
    /// <param name="preferences">The caller's (RFC 3841), which order and may narrow the contacts of the 302
    /// (<see cref="CallerPreferenceRules.Order"/>); none leaves the callee's order.</param>
    public PresenceOutcome Route(DateTimeOffset now, CallerPreferences? preferences = null)
    {
        Expire(now);
        CompositePresence composite = Composite(now);
        if (composite.Status is ExtendedStatus.DoNotDisturb or ExtendedStatus.Unreachable)
        {
            if (composite.VoicemailUri is { } voicemail)
                return new PresenceOutcome(302) { Redirect = [new ReachableContact(voicemail, 1.0, Registered: false)] };
            return new PresenceOutcome(480) { Comment = composite.Note };
        }
        IReadOnlyList<ReachableContact> targets = [.. composite.RegisteredContacts, .. composite.AlternativeContacts];
        if (preferences is not null)
        {
            targets = CallerPreferenceRules.Order(targets, preferences);
            // RFC 3841 §7.2.4: explicit preferences that leave no contact give the caller a 480.
            if (targets.Count == 0)
                return new PresenceOutcome(480);
        }
        return new PresenceOutcome(302) { Redirect = targets };
    }
}
