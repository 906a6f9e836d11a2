using Presence.Core.Documents;
using Presence.Core.Model;

namespace Presence.Core.Composite;

/// <summary>How to reach the user, in the order a caller should try: registered contacts, then alternatives.</summary>
/// <param name="Capabilities">What the device behind it said it can do (README "Communication capabilities").</param>
/// <param name="DeviceId">The device's instance (<c>+sip.instance</c>, a PIDF <c>&lt;dm:deviceID&gt;</c>), when known.</param>
/// <param name="ExpiresAt">When the registration or publication that gives it ends; null for the user's own settings.</param>
public sealed record ReachableContact(
    string Uri, double Priority, bool Registered, DeviceCapabilities? Capabilities = null, string? DeviceId = null, DateTimeOffset? ExpiresAt = null);

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
/// 1 donotdisturb (declared; prevails over unreachable), 2 donotdisturb (an out-of-office event of the calendar; prevails
/// over unreachable), 3 unreachable (no live registration and no alternative contact), 4 ringing, 5 busy (a call),
/// 6 busy (a meeting of the calendar, RPID activity meeting), 7 available (an unregistered user with alternative
/// contacts is reachable). What the user or its phones declare prevails over the calendar.
/// </summary>
public static class CompositeRules
{
    /// <param name="aor">The user's own AOR: a client that publishes it as its contact (baresip, linphone) says nothing
    /// about where else the user may be reached.</param>
    public static CompositePresence Compute(
        IEnumerable<Binding> bindings, IEnumerable<Publication> publications, UserSettings settings, DateTimeOffset now, string? aor = null,
        Calendar.CalendarNow? calendar = null)
    {
        var live = publications
            .Where(p => p.IsLive(now))
            .OrderBy(p => p.PublishedAt)
            .ThenBy(p => p.EntityTag, StringComparer.Ordinal)
            .ToList();
        var registered = bindings
            .Where(b => b.IsLive(now))
            .OrderByDescending(b => b.Q)
            .ThenBy(b => b.ContactUri, StringComparer.Ordinal)
            .Select(b => Registered(b, live))
            .ToList();

        // The user's own settings, the project's <po:alternative-contact>s, and the contacts of open tuples the user's
        // clients publish (issue 13: "reach me here"), unless that is the AOR itself, a registered contact, or not a URI
        // a call can be sent to.
        var published = live.SelectMany(p => p.State.OpenContacts.Select(c => (Contact: c, Publication: p)))
            .Where(c => IsCallable(c.Contact.Uri) && !SameAddress(c.Contact.Uri, aor) && !registered.Exists(r => SameAddress(r.Uri, c.Contact.Uri)))
            .Select(c => PublishedAlternative(c.Contact, c.Publication, live));
        var alternatives = new List<ReachableContact>();
        var declared = settings.AlternativeContacts.Select(a => new ReachableContact(a.Uri, a.Priority, Registered: false))
            .Concat(live.SelectMany(p => p.State.AlternativeContacts.Select(a => new ReachableContact(a.Uri, a.Priority, Registered: false, ExpiresAt: p.ExpiresAt))));
        foreach (var alt in declared.Concat(published))
        {
            if (!alternatives.Exists(a => string.Equals(a.Uri, alt.Uri, StringComparison.OrdinalIgnoreCase)))
                alternatives.Add(alt);
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
        // Rule 2: out of office, from the calendar.
        if (calendar is { Show: Calendar.CalendarShow.OutOfOffice })
            return new CompositePresence(ExtendedStatus.DoNotDisturb, calendar.Note, registered, alternatives, voicemail, activities);
        if (registered.Count == 0 && alternatives.Count == 0)
            return new CompositePresence(ExtendedStatus.Unreachable, null, registered, alternatives, voicemail, activities);
        ExtendedStatus status = live.Any(p => p.State.Call == CallActivity.Ringing) ? ExtendedStatus.Ringing
            : live.Any(p => p.State.Call == CallActivity.Busy) ? ExtendedStatus.Busy
            : ExtendedStatus.Available;
        // Rule 6: a meeting makes an otherwise available user busy, with the note and the RPID activity (a phone's call
        // state, or any activity a device published, is what the user says and stays as it is).
        if (status == ExtendedStatus.Available && calendar is { Show: Calendar.CalendarShow.Busy } && activities.Count == 0)
            return new CompositePresence(ExtendedStatus.Busy, calendar.Note, registered, alternatives, voicemail, ["meeting"]);
        return new CompositePresence(status, null, registered, alternatives, voicemail, activities);
    }

    /// <summary>
    /// A registered contact with its device's capabilities (README "Communication capabilities", merge rules): the
    /// feature tags of its REGISTER, then, publication by publication from the oldest, the servcaps of every live
    /// published tuple naming this contact or this device (<c>&lt;dm:deviceID&gt;</c> = its <c>+sip.instance</c>), each
    /// capability the newer source states replacing the older; then mobility and description of the device element.
    /// </summary>
    private static ReachableContact Registered(Binding binding, List<Publication> live)
    {
        string? device = DeviceIdOf(binding.InstanceId);
        DeviceCapabilities? caps = binding.Capabilities;
        foreach (Publication publication in live)
        {
            foreach (PublishedService service in publication.State.Services)
            {
                bool mine = (device is not null && string.Equals(DeviceIdOf(service.DeviceId), device, StringComparison.OrdinalIgnoreCase))
                    || (service.Contact is { } contact && SameAddress(contact, binding.ContactUri));
                if (mine)
                    caps = (caps ?? None).With(service.Capabilities);
            }
            caps = WithDevice(caps, device, publication);
        }
        return new ReachableContact(binding.ContactUri, binding.Q, Registered: true, caps is { Any: true } || caps?.Features is { Count: > 0 } ? caps : null, device, binding.ExpiresAt);
    }

    /// <summary>An open published contact that is no registered one: the capabilities of its own tuple, and its device's.</summary>
    private static ReachableContact PublishedAlternative(AlternativeContact contact, Publication publication, List<Publication> live)
    {
        PublishedService? service = publication.State.Services.LastOrDefault(s => s.Open && s.Contact is { } c && string.Equals(c, contact.Uri, StringComparison.Ordinal));
        string? device = DeviceIdOf(service?.DeviceId);
        DeviceCapabilities? caps = service?.Capabilities;
        foreach (Publication p in live)
            caps = WithDevice(caps, device, p);
        return new ReachableContact(contact.Uri, contact.Priority, Registered: false, caps, device, publication.ExpiresAt);
    }

    private static DeviceCapabilities? WithDevice(DeviceCapabilities? caps, string? device, Publication publication)
    {
        if (device is null)
            return caps;
        foreach (PublishedDevice d in publication.State.Devices)
        {
            if (string.Equals(DeviceIdOf(d.DeviceId), device, StringComparison.OrdinalIgnoreCase))
                caps = (caps ?? None).With(new DeviceCapabilities(null, null, null, null, null) { Mobility = d.Mobility, Description = d.Description });
        }
        return caps;
    }

    private static readonly DeviceCapabilities None = new(null, null, null, null, null);

    /// <summary>
    /// A device ID as RFC 4479 writes it (<c>urn:uuid:…</c>) from a <c>+sip.instance</c> value (<c>"&lt;urn:uuid:…&gt;"</c>)
    /// or a published &lt;dm:deviceID&gt;.
    /// </summary>
    internal static string? DeviceIdOf(string? instance)
    {
        if (instance is null)
            return null;
        string id = instance.Trim().Trim('"').Trim().TrimStart('<').TrimEnd('>').Trim();
        return id.Length == 0 ? null : id;
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
