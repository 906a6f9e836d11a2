using Presence.Core.Documents;
using Presence.Core.Model;

namespace Presence.Core.Composite;

/// <summary>How to reach the user, in the order a caller should try: registered contacts, then alternatives.</summary>
public sealed record ReachableContact(string Uri, double Priority, bool Registered, DeviceCapabilities? Capabilities = null);

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
    /// <param name="aor">The user's own AOR: a client that publishes it as its contact (baresip, linphone) says nothing
    /// about where else the user may be reached.</param>
    public static CompositePresence Compute(
        IEnumerable<Binding> bindings, IEnumerable<Publication> publications, UserSettings settings, DateTimeOffset now, string? aor = null)
    {
        var registered = bindings
            .Where(b => b.IsLive(now))
            .OrderByDescending(b => b.Q)
            .ThenBy(b => b.ContactUri, StringComparer.Ordinal)
            .Select(b => new ReachableContact(b.ContactUri, b.Q, Registered: true, b.Capabilities))
            .ToList();
        var live = publications
            .Where(p => p.IsLive(now))
            .OrderBy(p => p.PublishedAt)
            .ThenBy(p => p.EntityTag, StringComparer.Ordinal)
            .ToList();

        // The user's own settings, the project's <po:alternative-contact>s, and the contacts of open tuples the user's
        // clients publish (issue 13: "reach me here"), unless that is the AOR itself, a registered contact, or not a URI
        // a call can be sent to.
        var published = live.SelectMany(p => p.State.OpenContacts)
            .Where(c => IsCallable(c.Uri) && !SameAddress(c.Uri, aor) && !registered.Exists(r => SameAddress(r.Uri, c.Uri)));
        var alternatives = new List<ReachableContact>();
        foreach (var alt in settings.AlternativeContacts.Concat(live.SelectMany(p => p.State.AlternativeContacts)).Concat(published))
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

    private static bool IsCallable(string uri) =>
        uri.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("sips:", StringComparison.OrdinalIgnoreCase)
        || uri.StartsWith("tel:", StringComparison.OrdinalIgnoreCase);

    /// <summary>Same user and host, whatever the scheme (sip or sips), parameters and case of the host.</summary>
    private static bool SameAddress(string uri, string? other)
    {
        if (other is null)
            return false;
        return string.Equals(AddressPart(uri), AddressPart(other), StringComparison.OrdinalIgnoreCase);

        static string AddressPart(string u)
        {
            int colon = u.IndexOf(':', StringComparison.Ordinal);
            string rest = colon < 0 ? u : u[(colon + 1)..];
            int end = rest.IndexOfAny([';', '?', '>']);
            return end < 0 ? rest : rest[..end];
        }
    }

    private static string? Clean(string? comment) => string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
}
