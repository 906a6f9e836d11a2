using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Presence.Grains.Accounts;
using Presence.Grains.Commands;
using Presence.Server.Accounts;
using Presence.Server.Presence;

namespace Presence.Server.Http;

/// <summary>User provisioning over HTTP: add, list, read, change password, disable and enable.</summary>
public static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").AddEndpointFilter(TokenFilter.RequireScope);
        users.MapPost("/", CreateAsync);
        users.MapGet("/", ListAsync);
        users.MapGet("/{user}", GetAsync);
        users.MapPut("/{user}/password", SetPasswordAsync);
        users.MapPut("/{user}/groups", SetGroupsAsync);
        users.MapPost("/{user}/disable", (string user, AccountDirectory a, PresenceDirectory d, CancellationToken ct) => SetDisabledAsync(user, true, a, d, ct));
        users.MapPost("/{user}/enable", (string user, AccountDirectory a, PresenceDirectory d, CancellationToken ct) => SetDisabledAsync(user, false, a, d, ct));
        return app;
    }

    private static async Task<IResult> CreateAsync(NewAccountRequest? body, AccountDirectory accounts, IOptions<AuthOptions> options, CancellationToken ct)
    {
        if (body?.Aor is null)
            return PresenceApi.Bad("Give the user as {\"aor\": \"alice@example.com\", \"password\": \"...\"}.");
        if (!PresenceApi.TryAor(body.Aor, out string aor, out var problem))
            return problem;
        if (PasswordProblem(body.Password, options.Value) is { } bad)
            return bad;
        var (change, account) = await accounts.CreateAsync(aor, body.Password!, ct);
        return change switch
        {
            AccountChange.Done => Results.Json(AccountJsonView.From(account!), statusCode: 201),
            AccountChange.AlreadyExists => Results.Json(new ProblemJson($"{aor} exists already."), statusCode: 409),
            _ => Results.Json(new ProblemJson("Changed by someone else at the same time; try again."), statusCode: 409),
        };
    }

    private static async Task<IResult> ListAsync(string? after, int? limit, AccountDirectory accounts, CancellationToken ct)
    {
        var list = await accounts.ListAsync(after, Math.Clamp(limit ?? 100, 1, 1000), ct);
        return Results.Json(list.Select(AccountJsonView.From).ToList());
    }

    private static async Task<IResult> GetAsync(string user, AccountDirectory accounts, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        return await accounts.GetAsync(aor, ct) is { } account
            ? Results.Json(AccountJsonView.From(account))
            : Results.Json(new ProblemJson($"No user {aor}."), statusCode: 404);
    }

    private static async Task<IResult> SetPasswordAsync(
        string user, PasswordRequest? body, AccountDirectory accounts, IOptions<AuthOptions> options, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        if (PasswordProblem(body?.Password, options.Value) is { } bad)
            return bad;
        return Result(await accounts.SetPasswordAsync(aor, body!.Password!, ct), aor);
    }

    private static async Task<IResult> SetDisabledAsync(string user, bool disabled, AccountDirectory accounts, PresenceDirectory presence, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        var result = await accounts.SetDisabledAsync(aor, disabled, ct);
        // A disabled user's registrations and publications end now, and its watchers hear of it.
        if (disabled && result.Change == AccountChange.Done)
            await presence.ExecuteAsync(aor, EndSourcesCommand.Instance, ct);
        return Result(result, aor);
    }

    private static async Task<IResult> SetGroupsAsync(string user, List<string>? groups, AccountDirectory accounts, PresenceDirectory presence, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        if (groups is null || groups.Any(g => string.IsNullOrWhiteSpace(g) || g.Length > 64 || g.Any(char.IsControl)))
            return PresenceApi.Bad("Give the groups as a list of names: [\"sales\", \"executives\"].");
        var names = groups.Select(g => g.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var result = await accounts.SetGroupsAsync(aor, names, ct);
        // The user's own grain knows its groups too: its watchers are decided again under the group rules.
        if (result.Change == AccountChange.Done)
            await presence.ExecuteAsync(aor, new SetGroupsCommand([.. names]), ct);
        return Result(result, aor);
    }

    private static IResult Result(AccountResult result, string aor) => result.Change switch
    {
        AccountChange.Done => Results.Json(AccountJsonView.From(result.Account!)),
        AccountChange.NotFound => Results.Json(new ProblemJson($"No user {aor}."), statusCode: 404),
        _ => Results.Json(new ProblemJson("Changed by someone else at the same time; try again."), statusCode: 409),
    };

    private static IResult? PasswordProblem(string? password, AuthOptions options) =>
        password is null || password.Length < options.MinPasswordLength
            ? PresenceApi.Bad($"A password has at least {options.MinPasswordLength} characters.")
            : password.Any(char.IsControl) ? PresenceApi.Bad("A password has no control characters.") : null;
}

public sealed record NewAccountRequest(string? Aor, string? Password);

public sealed record PasswordRequest(string? Password);

/// <summary>A user as the API shows it: never the hashes.</summary>
public sealed record AccountJsonView(
    string Aor, string Username, string Realm, bool Disabled, IReadOnlyList<string> Groups, DateTimeOffset CreatedAt, DateTimeOffset ChangedAt)
{
    public static AccountJsonView From(Account a) => new(a.Aor, a.Username, a.Realm, a.Disabled, a.GroupList, a.CreatedAt, a.ChangedAt);
}
