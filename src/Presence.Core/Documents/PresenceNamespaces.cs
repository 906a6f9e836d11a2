namespace Presence.Core.Documents;

/// <summary>
/// The XML namespaces of the presence documents. Elements are matched by namespace URI, never by prefix:
/// clients choose their own prefixes (or none, with a default namespace).
/// </summary>
internal static class PresenceNamespaces
{
    /// <summary>RFC 3863 §4.</summary>
    public const string Pidf = "urn:ietf:params:xml:ns:pidf";

    /// <summary>RFC 4479: person and device.</summary>
    public const string DataModel = "urn:ietf:params:xml:ns:pidf:data-model";

    /// <summary>RFC 4480, RPID.</summary>
    public const string Rpid = "urn:ietf:params:xml:ns:pidf:rpid";

    /// <summary>RFC 5196: service and device capabilities.</summary>
    public const string Caps = "urn:ietf:params:xml:ns:pidf:caps";

    /// <summary>RFC 4235 §4.1.</summary>
    public const string DialogInfo = "urn:ietf:params:xml:ns:dialog-info";

    /// <summary>The project's own extension (prefix "po" by convention), documented in the README.</summary>
    public const string Extension = "urn:presence-orleans:params:xml:ns:pidf-ext";
}
