using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Presence.Core.Documents;
using Presence.Grains.Commands;
using Presence.Grains.Users;
using Presence.Server.Presence;
using Presence.Sip.Headers;

namespace Presence.Server.Http;

/// <summary>
/// The HTTP API for operators and integrators: read a user's presence (JSON or PIDF), set and clear DND with a
/// comment, alternative contacts and voicemail, read the history, and follow changes live (server-sent events).
/// Every call needs the bearer token.
/// </summary>
public static class PresenceApi
{
    private const int MaxCommentLength = 1024;

    public static IEndpointRouteBuilder MapPresenceApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => Results.Ok(new { status = "ok" }));
        var api = app.MapGroup("/api/users/{user}").AddEndpointFilter(TokenFilter.RequireScope);
        api.MapGet("/presence", GetPresence);
        api.MapGet("/presence.pidf", GetPidf);
        api.MapPut("/dnd", SetDnd);
        api.MapDelete("/dnd", ClearDnd);
        api.MapPut("/alternative-contacts", SetAlternatives);
        api.MapPut("/voicemail", SetVoicemail);
        api.MapDelete("/voicemail", (string user, PresenceDirectory d, TimeProvider t, CancellationToken ct) =>
            Change(user, d, t, new SetVoicemailCommand(null), ct));
        api.MapGet("/history", GetHistory);
        api.MapGet("/stream", StreamAsync);
        return app;
    }

    private static async Task<IResult> GetPresence(
        string user, HttpRequest request, PresenceDirectory directory, Cluster.ClusterMembers members, TimeProvider time, CancellationToken ct)
    {
        if (!TryAor(user, out string aor, out var problem))
            return problem;
        var view = await directory.GetAsync(aor, ct);
        // Content negotiation: a client that prefers PIDF gets the document watchers get.
        if (request.Headers.Accept.ToString().Contains(PidfWriter.ContentType, StringComparison.OrdinalIgnoreCase))
            return Results.Bytes(view.Document, PidfWriter.ContentType);
        return Results.Json(PresenceJson.From(view, time.GetUtcNow(), members.NameOf(view.Silo)));
    }

    private static async Task<IResult> GetPidf(string user, PresenceDirectory directory, CancellationToken ct)
    {
        if (!TryAor(user, out string aor, out var problem))
            return problem;
        return Results.Bytes((await directory.GetAsync(aor, ct)).Document, PidfWriter.ContentType);
    }

    private static Task<IResult> SetDnd(string user, DndRequest? body, PresenceDirectory directory, TimeProvider time, CancellationToken ct)
    {
        string? comment = body?.Comment?.Trim();
        if (comment is { Length: > MaxCommentLength })
            return Task.FromResult(Bad($"The comment is longer than {MaxCommentLength} characters."));
        if (comment is not null && comment.Any(c => char.IsControl(c) && c is not ('\n' or '\t')))
            return Task.FromResult(Bad("The comment contains control characters."));
        return Change(user, directory, time, new SetDoNotDisturbCommand(true, string.IsNullOrEmpty(comment) ? null : comment), ct);
    }

    private static Task<IResult> ClearDnd(string user, PresenceDirectory directory, TimeProvider time, CancellationToken ct) =>
        Change(user, directory, time, new SetDoNotDisturbCommand(false, null), ct);

    private static Task<IResult> SetAlternatives(
        string user, List<AlternativeContactJson>? body, PresenceDirectory directory, TimeProvider time, CancellationToken ct)
    {
        var contacts = new List<AlternativeContactValue>();
        foreach (var c in body ?? [])
        {
            if (!IsContactUri(c.Uri))
                return Task.FromResult(Bad($"'{c.Uri}' is not a sip, sips or tel URI."));
            if (c.Priority is < 0 or > 1 || double.IsNaN(c.Priority))
                return Task.FromResult(Bad("A priority is between 0 and 1."));
            contacts.Add(new AlternativeContactValue(c.Uri, c.Priority));
        }
        return Change(user, directory, time, new SetAlternativeContactsCommand([.. contacts]), ct);
    }

    private static Task<IResult> SetVoicemail(string user, VoicemailRequest? body, PresenceDirectory directory, TimeProvider time, CancellationToken ct)
    {
        if (body?.Uri is not { } uri || !IsContactUri(uri))
            return Task.FromResult(Bad("Give the voicemail as a sip, sips or tel URI: {\"uri\": \"sip:vm@example.com\"}."));
        return Change(user, directory, time, new SetVoicemailCommand(uri), ct);
    }

    private static async Task<IResult> GetHistory(string user, DateTimeOffset? since, int? limit, PresenceDirectory directory, CancellationToken ct)
    {
        if (!TryAor(user, out string aor, out var problem))
            return problem;
        int max = Math.Clamp(limit ?? 100, 1, 1000);
        var history = await directory.HistoryAsync(aor, since, max, ct);
        return Results.Json(history.Select(HistoryJson.From).ToList());
    }

    /// <summary>Server-sent events: the current presence at once, then one event per change, until the client goes.</summary>
    private static async Task StreamAsync(
        string user, HttpContext http, PresenceDirectory directory, PresenceChangeFeed feed, TimeProvider time, CancellationToken ct)
    {
        if (!TryAor(user, out string aor, out var problem))
        {
            await problem.ExecuteAsync(http);
            return;
        }
        http.Response.Headers.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        // Follow the user before reading the current state, so that no change falls between the two.
        using var changes = await feed.SubscribeAsync(aor, ct);
        await WriteEventAsync(http, await directory.GetAsync(aor, ct), time, ct);
        try
        {
            var next = changes.Reader.WaitToReadAsync(ct).AsTask();
            while (!ct.IsCancellationRequested)
            {
                var tick = Task.Delay(TimeSpan.FromSeconds(15), time, ct);
                if (await Task.WhenAny(next, tick) == tick)
                {
                    // A comment line keeps proxies from closing an idle stream.
                    await http.Response.WriteAsync(": keep-alive\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                    continue;
                }
                if (!await next)
                    break;
                // Several changes at once are one event: the state now says all of them.
                while (changes.Reader.TryRead(out _))
                {
                }
                await WriteEventAsync(http, await directory.GetAsync(aor, ct), time, ct);
                next = changes.Reader.WaitToReadAsync(ct).AsTask();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task WriteEventAsync(HttpContext http, PresentitySnapshot view, TimeProvider time, CancellationToken ct)
    {
        string json = JsonSerializer.Serialize(PresenceJson.From(view, time.GetUtcNow()), JsonSerializerOptions.Web);
        await http.Response.WriteAsync($"event: presence\ndata: {json}\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
    }

    private static async Task<IResult> Change(
        string user, PresenceDirectory directory, TimeProvider time, PresenceCommand change, CancellationToken ct)
    {
        if (!TryAor(user, out string aor, out var problem))
            return problem;
        PresenceAnswer outcome = await directory.ExecuteAsync(aor, change, ct);
        if (!outcome.IsSuccess)
            return Results.Json(new ProblemJson(outcome.Reason ?? "The change was refused."), statusCode: outcome.StatusCode >= 500 ? outcome.StatusCode : 400);
        return Results.Json(PresenceJson.From(await directory.GetAsync(aor, ct), time.GetUtcNow()));
    }

    /// <summary>"alice@example.com" or "sip:alice@example.com" → the AOR "sip:alice@example.com".</summary>
    internal static bool TryAor(string user, out string aor, out IResult problem)
    {
        aor = string.Empty;
        problem = Results.Empty;
        string text = user.Contains(':', StringComparison.Ordinal) ? user : "sip:" + user;
        if (!SipUri.TryParse(text, out var uri, out _) || !uri!.IsSip || string.IsNullOrEmpty(uri.User))
        {
            problem = Bad($"'{user}' is not a user address such as alice@example.com.");
            return false;
        }
        aor = "sip:" + uri.ToAor()[(uri.SchemeText.Length + 1)..];
        return true;
    }

    private static bool IsContactUri(string? text) =>
        text is not null && SipUri.TryParse(text, out var uri, out _) && uri!.Scheme is UriScheme.Sip or UriScheme.Sips or UriScheme.Tel;

    internal static IResult Bad(string message) => Results.Json(new ProblemJson(message), statusCode: 400);
}
