using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Core.Persistence;

namespace Presence.Core.Presentity;

public sealed partial class Presentity
{
    /// <summary>The media types a PUBLISH may carry (RFC 3903 §6 step 2: others get 415 with Accept).</summary>
    public static IReadOnlyList<string> PublishAccept { get; } = ["application/pidf+xml", "application/dialog-info+xml"];

    /// <summary>What a PUBLISH for the dialog package may carry (RFC 4235 §4.2).</summary>
    public static IReadOnlyList<string> DialogPublishAccept { get; } = ["application/dialog-info+xml"];

    /// <summary>PUBLISH (RFC 3903 §6): initial, refresh (If-Match, no body), modify (If-Match and body), remove (Expires 0).</summary>
    public PresenceOutcome Publish(PublishRequest request, DateTimeOffset now)
    {
        Expire(now);
        int expires = request.Expires ?? _options.DefaultPublishExpires;
        // §6 step 4: too short is 423 with Min-Expires; too long is shortened.
        if (expires > 0 && expires < _options.MinPublishExpires)
            return new PresenceOutcome(423) { MinExpires = _options.MinPublishExpires };
        expires = Clamp(expires, _options.MaxPublishExpires);
        bool hasBody = request.Body is { Length: > 0 };

        PublishedState? state = null;
        if (hasBody)
        {
            string contentType = request.ContentType ?? string.Empty;
            if (!PresenceDocumentReader.IsSupported(contentType))
                return new PresenceOutcome(415) { Accept = request.Event == EventPackage.Dialog ? DialogPublishAccept : PublishAccept };
            // Event: dialog carries dialog-info only (a PIDF document there is another package's state).
            if (request.Event == EventPackage.Dialog && !DialogPublishAccept.Contains(contentType, StringComparer.OrdinalIgnoreCase))
                return new PresenceOutcome(415) { Accept = DialogPublishAccept };
            if (!PresenceDocumentReader.TryRead(contentType, request.Body, out state, out string error))
                return new PresenceOutcome(400, "Bad Presence Document: " + error);
            if (state!.AlternativeContacts.Count > _options.MaxAlternativeContacts)
                return new PresenceOutcome(400, $"At Most {_options.MaxAlternativeContacts} Alternative Contacts");
            // The contacts of open tuples are alternative contacts too, and bounded the same way.
            if (state.OpenContacts.Count > _options.MaxAlternativeContacts)
                return new PresenceOutcome(400, $"At Most {_options.MaxAlternativeContacts} Contacts In Open Tuples");
        }

        if (request.IfMatch is null)
        {
            // §6 step 3: without SIP-If-Match the request creates state, so it needs a body.
            if (!hasBody)
                return new PresenceOutcome(400, "PUBLISH Without SIP-If-Match Needs A Body");
            if (expires == 0)
                return new PresenceOutcome(400, "Initial PUBLISH With Expires 0");
            if (_publications.Count >= _options.MaxPublications)
                return new PresenceOutcome(403, $"At Most {_options.MaxPublications} Publications");
            var created = new Publication(NewEntityTag(), now.AddSeconds(expires), request.ContentType!, request.Body!, state!, now, request.Event);
            StorePublication(created);
            Recompute(now, "publish");
            return new PresenceOutcome(200) { EntityTag = created.EntityTag, Expires = expires };
        }

        // §6 step 3: SIP-If-Match must name live state of this event package, else 412.
        if (!_publications.TryGetValue(request.IfMatch, out var existing) || existing.Event != request.Event)
            return new PresenceOutcome(412);
        _publications.Remove(existing.EntityTag);
        Changes.Delete(PresentityItems.PublicationKind, existing.EntityTag);
        if (expires == 0)
        {
            Recompute(now, "publish");
            return new PresenceOutcome(200) { Expires = 0 };
        }
        // Refresh keeps the document, modify replaces it; either way the state gets a new entity-tag (§6 step 8).
        var updated = hasBody
            ? new Publication(NewEntityTag(), now.AddSeconds(expires), request.ContentType!, request.Body!, state!, now, request.Event)
            : existing with { EntityTag = NewEntityTag(), ExpiresAt = now.AddSeconds(expires) };
        StorePublication(updated);
        Recompute(now, "publish");
        return new PresenceOutcome(200) { EntityTag = updated.EntityTag, Expires = expires };
    }

    private void StorePublication(Publication publication)
    {
        _publications[publication.EntityTag] = publication;
        Changes.Upsert(PresentityItems.PublicationKind, publication.EntityTag, PresentityItems.Serialize(publication));
    }

    private static string NewEntityTag() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(10));
}
