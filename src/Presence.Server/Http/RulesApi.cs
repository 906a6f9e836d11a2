using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Presence.Core.Model;
using Presence.Grains.Commands;
using Presence.Server.Presence;

namespace Presence.Server.Http;

/// <summary>
/// A user's watchers and its rules for them: who watches (active, pending, politely blocked), and allow /
/// confirm / polite-block / block per watcher or per domain. A change applies to existing subscriptions at once.
/// </summary>
public static class RulesApi
{
    public static IEndpointRouteBuilder MapRulesApi(this IEndpointRouteBuilder app)
    {
        var user = app.MapGroup("/api/users/{user}").AddEndpointFilter(TokenFilter.RequireScope);
        user.MapGet("/watchers", WatchersAsync);
        user.MapGet("/rules", RulesAsync);
        user.MapPut("/rules", SetRuleAsync);
        user.MapDelete("/rules", (string user, string? watcher, PresenceDirectory d, CancellationToken ct) => ChangeAsync(user, watcher, null, d, ct));
        return app;
    }

    private static async Task<IResult> WatchersAsync(string user, PresenceDirectory directory, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        var view = await directory.GetAsync(aor, ct);
        var watchers = view.Watchers
            .Select(w => new WatcherJson(w.WatcherAor, w.Pending ? "pending" : "active", ActionName(w.Decision), SecondsLeft(w.ExpiresAt, view.At)))
            .OrderBy(w => w.Watcher, StringComparer.Ordinal)
            .ToList();
        return Results.Json(watchers);
    }

    private static async Task<IResult> RulesAsync(string user, PresenceDirectory directory, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        var view = await directory.GetAsync(aor, ct);
        var rules = view.Rules
            .Select(r => new RuleJson(r.Watcher, ActionName(r.Action)))
            .OrderBy(r => r.Watcher, StringComparer.Ordinal)
            .ToList();
        return Results.Json(rules);
    }

    private static Task<IResult> SetRuleAsync(string user, RuleJson? body, PresenceDirectory directory, CancellationToken ct)
    {
        if (body?.Action is null || ParseAction(body.Action) is not { } action)
            return Task.FromResult(PresenceApi.Bad("Give a rule as {\"watcher\": \"bob@example.com\" or \"@example.org\", \"action\": \"allow|confirm|polite-block|block\"}."));
        return ChangeAsync(user, body.Watcher, action, directory, ct);
    }

    private static async Task<IResult> ChangeAsync(string user, string? watcher, WatcherAction? action, PresenceDirectory directory, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        if (NormalizeWatcher(watcher) is not { } key)
            return PresenceApi.Bad("A watcher is a user (bob@example.com) or a domain (@example.org).");
        PresenceAnswer outcome = await directory.ExecuteAsync(aor, new SetRuleCommand(key, action), ct);
        return outcome.IsSuccess ? await RulesAsync(user, directory, ct) : Results.Json(new ProblemJson(outcome.Reason ?? "Refused"), statusCode: 500);
    }

    private static int SecondsLeft(DateTimeOffset expiresAt, DateTimeOffset now) => (int)Math.Max(0, Math.Ceiling((expiresAt - now).TotalSeconds));

    // "bob@example.com" and "sip:bob@example.com" are the same watcher; "@example.org" is a whole domain.
    private static string? NormalizeWatcher(string? watcher)
    {
        if (string.IsNullOrWhiteSpace(watcher))
            return null;
        watcher = watcher.Trim();
        if (watcher.StartsWith('@'))
        {
            string domain = watcher[1..].ToLowerInvariant();
            return domain.Length > 0 && Uri.CheckHostName(domain) != UriHostNameType.Unknown ? "@" + domain : null;
        }
        return PresenceApi.TryAor(watcher, out string aor, out _) ? aor : null;
    }

    private static WatcherAction? ParseAction(string text) => text.ToLowerInvariant() switch
    {
        "allow" => WatcherAction.Allow,
        "confirm" => WatcherAction.Confirm,
        "polite-block" => WatcherAction.PoliteBlock,
        "block" => WatcherAction.Block,
        _ => null,
    };

    public static string ActionName(WatcherAction action) => action switch
    {
        WatcherAction.Allow => "allow",
        WatcherAction.Confirm => "confirm",
        WatcherAction.PoliteBlock => "polite-block",
        _ => "block",
    };
}

public sealed record RuleJson(string? Watcher, string? Action);

public sealed record WatcherJson(string Watcher, string State, string Decision, int ExpiresIn);
