using Presence.Core.Documents;
using Presence.Core.Model;

namespace Presence.Core.Composite;

/// <summary>How to reach the user, in the order a caller should try: registered contacts, then alternatives.</summary>
public sealed record ReachableContact(string Uri, double Priority, bool Registered);

/// <summary>The user's presence compiled from every source: the value watchers see and routing uses.</summary>
public sealed record CompositePresence(
    ExtendedStatus Status,
    string? Note,
    IReadOnlyList<ReachableContact> RegisteredContacts,
    IReadOnlyList<ReachableContact> AlternativeContacts,
    string? VoicemailUri,
    IReadOnlyList<string> Activities)
{
    public bool IsOpen => Status is ExtendedStatus.Available or ExtendedStatus.Busy or ExtendedStatus.Ringing;

    /// <summary>
    /// The contacts the document lists (SPEC: registered contacts when registered, otherwise the alternatives).
    /// </summary>
    public IReadOnlyList<ReachableContact> DocumentContacts => RegisteredContacts.Count > 0 ? RegisteredContacts : AlternativeContacts;
}

/// <summary>
/// The composite-status rules of SPEC.md, in their order; the first that holds wins:
/// 1 donotdisturb (declared; prevails over unreachable), 2 unreachable (no live registration and no alternative
/// contact), 3 ringing, 4 busy, 5 available (an unregistered user with alternative contacts is reachable).
/// </summary>
public static class CompositeRules
{
    public static CompositePresence Compute(
        IEnumerable<Binding> bindings, IEnumerable<Publication> publications, UserSettings settings, DateTimeOffset now)
    {
        var registered = bindings
            .Where(b => b.IsLive(now))
            .OrderByDescending(b => b.Q)
            .ThenBy(b => b.ContactUri, StringComparer.Ordinal)
            .Select(b => new ReachableContact(b.ContactUri, b.Q, Registered: true))
            .ToList();
        var live = publications
            .Where(p => p.IsLive(now))
            .OrderBy(p => p.PublishedAt)
            .ThenBy(p => p.EntityTag, StringComparer.Ordinal)
            .ToList();

        var alternatives = new List<ReachableContact>();
        foreach (var alt in settings.AlternativeContacts.Concat(live.SelectMany(p => p.State.AlternativeContacts)))
        {
            if (!alternatives.Exists(a => string.Equals(a.Uri, alt.Uri, StringComparison.OrdinalIgnoreCase)))
                alternatives.Add(new ReachableContact(alt.Uri, alt.Priority, Registered: false));
        }
        alternatives = alternatives.OrderByDescending(a => a.Priority).ThenBy(a => a.Uri, StringComparer.Ordinal).ToList();

        string? voicemail = settings.VoicemailUri ?? live.Select(p => p.State.VoicemailUri).LastOrDefault(v => v is not null);
        var activities = live.SelectMany(p => p.State.Activities).Distinct(StringComparer.Ordinal).OrderBy(a => a, StringComparer.Ordinal).ToList();

        // Rule 1: the latest declaration wins the comment; the user's own setting comes first.
        var dndPublication = live.LastOrDefault(p => p.State.DoNotDisturb);
        if (settings.DoNotDisturb || dndPublication is not null)
        {
            string? comment = settings.DoNotDisturb ? settings.DndComment : dndPublication!.State.DndComment;
            return new CompositePresence(ExtendedStatus.DoNotDisturb, Clean(comment), registered, alternatives, voicemail, activities);
        }
        if (registered.Count == 0 && alternatives.Count == 0)
            return new CompositePresence(ExtendedStatus.Unreachable, null, registered, alternatives, voicemail, activities);
        ExtendedStatus status = live.Any(p => p.State.Call == CallActivity.Ringing) ? ExtendedStatus.Ringing
            : live.Any(p => p.State.Call == CallActivity.Busy) ? ExtendedStatus.Busy
            : ExtendedStatus.Available;
        return new CompositePresence(status, null, registered, alternatives, voicemail, activities);
    }

    private static string? Clean(string? comment) => string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
}
