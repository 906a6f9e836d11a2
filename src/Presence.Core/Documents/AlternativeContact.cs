namespace Presence.Core.Documents;

/// <summary>
/// A URI at which the user can be reached, with its priority as in a PIDF contact (RFC 3863 §4.1.5):
/// 0 to 1, higher is preferred.
/// </summary>
/// <param name="Capabilities">What the device behind the contact can do, when it said (a registered contact's feature
/// tags); written into the tuple that lists it.</param>
public sealed record AlternativeContact(string Uri, double Priority, Model.DeviceCapabilities? Capabilities = null);
