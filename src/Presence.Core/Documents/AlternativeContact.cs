namespace Presence.Core.Documents;

/// <summary>
/// A URI at which the user can be reached, with its priority as in a PIDF contact (RFC 3863 §4.1.5):
/// 0 to 1, higher is preferred.
/// </summary>
/// <param name="Capabilities">What the device behind the contact can do, when it said (a registered contact's feature
/// tags, its published servcaps); written into the tuple that lists it.</param>
/// <param name="DeviceId">The RFC 4479 device ID (<c>urn:uuid:…</c>) of the device behind the contact, when known.</param>
public sealed record AlternativeContact(string Uri, double Priority, Model.DeviceCapabilities? Capabilities = null, string? DeviceId = null);
