namespace Presence.Core.Model;

/// <summary>One resource of a list (RFC 4826 <c>&lt;entry uri&gt;</c>): a user's address of record and how the owner calls it.</summary>
public sealed record ListEntry(string Uri, string? DisplayName = null);

/// <summary>
/// A user's named list of resources (a buddy list), served by the user's own grain as a resource list server
/// (RFC 4662): one SUBSCRIBE to <see cref="UriOf"/> stands for a subscription to every entry. Only its owner may
/// subscribe to it, and the users named in <see cref="Subscribers"/>.
/// </summary>
public sealed record ResourceList(string Name, string? DisplayName, IReadOnlyList<ListEntry> Entries, IReadOnlyList<string> Subscribers, string? Uri = null)
{
    /// <summary>What the name of a list carried in a SUBSCRIBE (RFC 5367) starts with: no list put through the API can
    /// have it, and it lives as long as its subscription.</summary>
    public const char ContainedPrefix = '@';

    /// <summary>What the notifier tag of a subscription to a list carried in its SUBSCRIBE starts with: its refreshes,
    /// addressed to the list server's URI, go to the subscriber's grain, which holds the list.</summary>
    public const string ContainedTagPrefix = "rl";

    /// <summary>A list carried in a SUBSCRIBE (RFC 5367), not one of the user's own.</summary>
    public bool IsContained => Name.StartsWith(ContainedPrefix);

    /// <summary>What separates the owner's user part from the list's name in a list URI: sip:alice+buddies@example.com.</summary>
    public const char Separator = '+';

    public const int MaxNameLength = 64;

    /// <summary>A list name: 1 to 64 of letters, digits, '.', '_' and '-' (it becomes part of a SIP URI's user part).</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
            return false;
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                return false;
        }
        return true;
    }

    /// <summary>The list's SIP URI: the owner's address with "+name" after its user part.</summary>
    public static string UriOf(string ownerAor, string name)
    {
        int at = ownerAor.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? ownerAor + Separator + name : string.Concat(ownerAor.AsSpan(0, at), Separator.ToString(), name, ownerAor.AsSpan(at));
    }

    /// <summary>
    /// Splits a list URI ("sip:alice+buddies@example.com") into its owner ("sip:alice@example.com") and the list's
    /// name; false when the user part has no '+' after its first character or the name is not a list name
    /// (so "sip:+4930123@example.com", a telephone number, is a user).
    /// </summary>
    public static bool TryParseUri(string aor, out string ownerAor, out string name)
    {
        ownerAor = name = string.Empty;
        int colon = aor.IndexOf(':', StringComparison.Ordinal);
        int at = aor.IndexOf('@', StringComparison.Ordinal);
        if (colon < 0 || at < colon)
            return false;
        int plus = aor.LastIndexOf(Separator, at - 1, at - colon - 1);
        if (plus <= colon + 1)
            return false;
        string candidate = aor[(plus + 1)..at];
        if (!IsValidName(candidate))
            return false;
        name = candidate;
        ownerAor = string.Concat(aor.AsSpan(0, plus), aor.AsSpan(at));
        return true;
    }
}

/// <summary>
/// What this user's grain, as a resource list server, holds for one (subscriber, member, package): its own
/// subscription to the member's grain (the "back-end" subscription of RFC 4662 §4.5), shared by every front-end
/// subscription of that subscriber to a list that names the member, and decided by the member's rules for the
/// subscriber exactly as the subscriber's direct SUBSCRIBE would be. <see cref="NotifierTag"/> is null until the
/// member has answered, and while the member refuses (<see cref="Rejected"/>).
/// </summary>
public sealed record BackEndSubscription(
    string Subscriber,
    string Member,
    string CallId,
    string WatcherTag,
    string? NotifierTag,
    DateTimeOffset ExpiresAt,
    bool Rejected = false,
    string Package = Subscription.PresencePackage)
{
    /// <summary>The stored key: one per subscriber, member and event package (presence, or dialog for busy-lamp lists).</summary>
    public string Key => KeyOf(Subscriber, Member, Package);

    public static string KeyOf(string subscriber, string member, string package) =>
        package == Subscription.PresencePackage ? subscriber + " " + member : subscriber + " " + member + " " + package;
}
