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

/// <summary>A central rule between groups of users: members of <see cref="Watchers"/> watching members of
/// <see cref="Presentities"/> get <see cref="Action"/> (for example contractors may never watch executives).</summary>
public sealed record GroupRule
{
    public string Watchers { get; init; } = string.Empty;

    public string Presentities { get; init; } = string.Empty;

    public WatcherAction Action { get; init; } = WatcherAction.Block;
}

/// <summary>
/// The operator's central policy, applied when the user has no rule for the watcher: rules between groups, then
/// actions for particular domains, then one action for watchers of the user's own domain and one for the rest.
/// </summary>
public sealed record WatcherPolicy
{
    /// <summary>Group rules, the first that matches wins.</summary>
    public List<GroupRule> Groups { get; init; } = [];

    public WatcherAction SameDomain { get; init; } = WatcherAction.Allow;

    public WatcherAction OtherDomains { get; init; } = WatcherAction.Confirm;

    /// <summary>Per-domain overrides, e.g. { "competitor.example": Block }.</summary>
    public Dictionary<string, WatcherAction> Domains { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The action for <paramref name="watcherAor"/> watching <paramref name="presentityAor"/>: the user's own
    /// rule for the watcher, then the user's rule for the watcher's domain, then this policy.</summary>
    public WatcherAction Decide(
        string presentityAor, string watcherAor, IReadOnlyDictionary<string, WatcherAction> userRules,
        IReadOnlyCollection<string>? watcherGroups = null, IReadOnlyCollection<string>? presentityGroups = null)
    {
        if (userRules.TryGetValue(watcherAor, out var exact))
            return exact;
        string domain = DomainOf(watcherAor);
        if (userRules.TryGetValue("@" + domain, out var byDomain))
            return byDomain;
        if (watcherGroups is { Count: > 0 } && presentityGroups is { Count: > 0 })
        {
            foreach (var rule in Groups)
            {
                if (watcherGroups.Contains(rule.Watchers, StringComparer.OrdinalIgnoreCase)
                    && presentityGroups.Contains(rule.Presentities, StringComparer.OrdinalIgnoreCase))
                    return rule.Action;
            }
        }
        if (Domains.TryGetValue(domain, out var central))
            return central;
        return string.Equals(domain, DomainOf(presentityAor), StringComparison.OrdinalIgnoreCase) ? SameDomain : OtherDomains;
    }

    public static string DomainOf(string aor) => aor[(aor.LastIndexOf('@') + 1)..];
}
