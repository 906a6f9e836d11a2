using Presence.Core.Model;
using Presence.Core.Persistence;

namespace Presence.Core.Presentity;

public sealed partial class Presentity
{
    /// <summary>REGISTER (RFC 3261 §10.3 steps 6 to 8): add, refresh, remove, remove all, or query bindings.</summary>
    public PresenceOutcome Register(RegisterRequest request, DateTimeOffset now)
    {
        Expire(now);
        if (request.Wildcard)
        {
            // §10.3 step 6: "*" is only allowed alone and with Expires: 0.
            if (request.Contacts.Count > 0 || request.Expires != 0)
                return new PresenceOutcome(400, "Wildcard Contact Needs Expires 0 And No Other Contact");
            if (_bindings.Values.Any(b => b.CallId == request.CallId && b.CSeq >= request.CSeq))
                return new PresenceOutcome(400, "CSeq Not Higher Than The Binding's");
            foreach (var b in _bindings.Values.ToList())
                RemoveBinding(b);
            Recompute(now, "register");
            return new PresenceOutcome(200) { Bindings = [] };
        }

        // Check everything before changing anything: the request succeeds or fails as a whole.
        var granted = new List<(ContactRequest Contact, int Expires)>();
        foreach (var contact in request.Contacts)
        {
            int expires = contact.Expires ?? request.Expires ?? _options.DefaultRegisterExpires;
            if (expires > 0 && expires < _options.MinRegisterExpires)
                return new PresenceOutcome(423) { MinExpires = _options.MinRegisterExpires };
            if (_bindings.TryGetValue(contact.Uri, out var existing) && existing.CallId == request.CallId && request.CSeq <= existing.CSeq)
                return new PresenceOutcome(400, "CSeq Not Higher Than The Binding's");
            granted.Add((contact, Clamp(expires, _options.MaxRegisterExpires)));
        }
        int after = _bindings.Count + granted.Count(g => g.Expires > 0 && !_bindings.ContainsKey(g.Contact.Uri))
            - granted.Count(g => g.Expires == 0 && _bindings.ContainsKey(g.Contact.Uri));
        if (after > _options.MaxBindings)
            return new PresenceOutcome(403, $"At Most {_options.MaxBindings} Registered Contacts");

        foreach (var (contact, expires) in granted)
        {
            if (expires == 0)
            {
                if (_bindings.TryGetValue(contact.Uri, out var gone))
                    RemoveBinding(gone);
                continue;
            }
            var binding = new Binding(contact.Uri, now.AddSeconds(expires), contact.Q ?? 1.0, request.CallId, request.CSeq, contact.InstanceId, request.Flow,
                contact.Capabilities is { Any: true } caps ? caps : null);
            _bindings[contact.Uri] = binding;
            Changes.Upsert(PresentityItems.BindingKind, binding.ContactUri, PresentityItems.Serialize(binding));
        }
        if (granted.Count > 0)
            Recompute(now, "register");
        return new PresenceOutcome(200) { Bindings = _bindings.Values.OrderByDescending(b => b.Q).ToList() };
    }

    private void RemoveBinding(Binding binding)
    {
        _bindings.Remove(binding.ContactUri);
        Changes.Delete(PresentityItems.BindingKind, binding.ContactUri);
    }
}
