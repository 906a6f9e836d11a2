namespace Presence.Core.Documents;

/// <summary>The PIDF basic status of a tuple (RFC 3863 §4.1.4): can the contact accept communication.</summary>
public enum BasicStatus
{
    Open,
    Closed,
}
