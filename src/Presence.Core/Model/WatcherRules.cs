namespace Presence.Core.Model;

/// <summary>
/// What a watcher may see (SPEC.md "Who may see what", the actions of RFC 5025 pres-rules / Kamailio):
/// allow: the full document; confirm: pending until the user decides; polite-block: the user always looks
/// closed, and nothing else; block: the subscription is refused.
/// </summary>
public enum WatcherAction
{
    Allow,
    Confirm,
    PoliteBlock,
    Block,
}

/// <summary>One per-user rule: a watcher's AOR ("sip:bob@example.com") or a whole domain ("@example.org").</summary>
public sealed record WatcherRule(string Watcher, WatcherAction Action);

/// <summary>
/// The operator's central policy, applied when the user has no rule for the watcher: one action for watchers of
/// the user's own domain, one for every other domain, and actions for particular domains.
/// </summary>
public sealed record WatcherPolicy
{
    public WatcherAction SameDomain { get; init; } = WatcherAction.Allow;

    public WatcherAction OtherDomains { get; init; } = WatcherAction.Confirm;

    /// <summary>Per-domain overrides, e.g. { "competitor.example": Block }.</summary>
    public Dictionary<string, WatcherAction> Domains { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The action for <paramref name="watcherAor"/> watching <paramref name="presentityAor"/>: the user's own
    /// rule for the watcher, then the user's rule for the watcher's domain, then this policy.</summary>
    public WatcherAction Decide(string presentityAor, string watcherAor, IReadOnlyDictionary<string, WatcherAction> userRules)
    {
        if (userRules.TryGetValue(watcherAor, out var exact))
            return exact;
        string domain = DomainOf(watcherAor);
        if (userRules.TryGetValue("@" + domain, out var byDomain))
            return byDomain;
        if (Domains.TryGetValue(domain, out var central))
            return central;
        return string.Equals(domain, DomainOf(presentityAor), StringComparison.OrdinalIgnoreCase) ? SameDomain : OtherDomains;
    }

    public static string DomainOf(string aor) => aor[(aor.LastIndexOf('@') + 1)..];
}
