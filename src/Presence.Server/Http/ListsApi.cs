using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Grains.Commands;
using Presence.Grains.Users;
using Presence.Server.Presence;

namespace Presence.Server.Http;

/// <summary>
/// A user's resource lists (buddy lists, RFC 4826 content): each is subscribed to as one SIP URI (RFC 4662),
/// "sip:alice+buddies@example.com" for alice's list "buddies". Written as RFC 4826 XML
/// (<c>application/resource-lists+xml</c>) or JSON; read in either, as the Accept header asks.
/// </summary>
public static class ListsApi
{
    private const int MaxBody = 1 << 20;

    public static IEndpointRouteBuilder MapListsApi(this IEndpointRouteBuilder app)
    {
        var user = app.MapGroup("/api/users/{user}/lists").AddEndpointFilter(TokenFilter.RequireScope);
        user.MapGet("", AllAsync);
        user.MapGet("/{name}", OneAsync);
        user.MapPut("/{name}", PutAsync);
        user.MapDelete("/{name}", DeleteAsync);
        return app;
    }

    private static async Task<IResult> AllAsync(string user, PresenceDirectory directory, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        var view = await directory.GetAsync(aor, ct);
        return Results.Json((view.Lists ?? []).Select(l => Json(aor, l)).ToList());
    }

    private static async Task<IResult> OneAsync(string user, string name, HttpRequest request, PresenceDirectory directory, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        var view = await directory.GetAsync(aor, ct);
        if (view.Lists?.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase)) is not { } list)
            return Results.Json(new ProblemJson($"{aor} has no list '{name}'."), statusCode: 404);
        if (request.Headers.Accept.ToString().Contains(ResourceListsXml.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            var model = new ResourceList(list.Name, list.DisplayName, [.. list.Entries.Select(e => new ListEntry(e.Uri, e.DisplayName))], list.Subscribers);
            return Results.Bytes(ResourceListsXml.Write(model), ResourceListsXml.ContentType);
        }
        return Results.Json(Json(aor, list));
    }

    private static async Task<IResult> PutAsync(string user, string name, HttpRequest request, PresenceDirectory directory, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        if (!ResourceList.IsValidName(name))
            return PresenceApi.Bad("A list name is 1 to 64 letters, digits, '.', '_' or '-'.");
        if (request.ContentLength > MaxBody)
            return Results.Json(new ProblemJson($"A list is at most {MaxBody} bytes."), statusCode: 413);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        if (buffer.Length > MaxBody)
            return Results.Json(new ProblemJson($"A list is at most {MaxBody} bytes."), statusCode: 413);
        byte[] body = buffer.ToArray();

        string? displayName;
        List<ListEntry> entries;
        string[]? subscribers = null;
        string contentType = request.ContentType ?? string.Empty;
        if (contentType.StartsWith(ResourceListsXml.ContentType, StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/xml", StringComparison.OrdinalIgnoreCase))
        {
            if (!ResourceListsXml.TryRead(body, out displayName, out entries, out string error))
                return PresenceApi.Bad("Not a resource list (RFC 4826): " + error + ".");
        }
        else
        {
            ListJson? json;
            try
            {
                json = JsonSerializer.Deserialize<ListJson>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web));
            }
            catch (JsonException ex)
            {
                return PresenceApi.Bad("Not a list as JSON: " + ex.Message);
            }
            if (json?.Entries is null)
                return PresenceApi.Bad("Give a list as {\"displayName\": \"Buddies\", \"entries\": [{\"uri\": \"bob@example.com\", \"displayName\": \"Bob\"}], \"subscribers\": []} or as application/resource-lists+xml.");
            displayName = json.DisplayName;
            entries = [.. json.Entries.Select(e => new ListEntry(e.Uri ?? string.Empty, e.DisplayName))];
            subscribers = json.Subscribers;
        }

        var normalized = new List<ListEntryValue>(entries.Count);
        foreach (var entry in entries)
        {
            if (!PresenceApi.TryAor(entry.Uri, out string member, out _))
                return PresenceApi.Bad($"'{entry.Uri}' is not a user address such as bob@example.com.");
            normalized.Add(new ListEntryValue(member, entry.DisplayName));
        }
        var allowed = new List<string>();
        if (subscribers is null)
        {
            // RFC 4826 XML says nothing of who may subscribe: a list put as XML keeps the subscribers it had.
            var view = await directory.GetAsync(aor, ct);
            allowed.AddRange(view.Lists?.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase))?.Subscribers ?? []);
        }
        else
        {
            foreach (string s in subscribers)
            {
                if (!PresenceApi.TryAor(s, out string subscriber, out _))
                    return PresenceApi.Bad($"'{s}' is not a user address such as carol@example.com.");
                allowed.Add(subscriber);
            }
        }
        var outcome = await directory.ExecuteAsync(aor, new PutListCommand(name, displayName, [.. normalized], [.. allowed.Distinct(StringComparer.OrdinalIgnoreCase)]), ct);
        if (!outcome.IsSuccess)
            return Results.Json(new ProblemJson(outcome.Reason ?? "The list was refused."), statusCode: outcome.StatusCode >= 500 ? outcome.StatusCode : 400);
        return await OneAsync(user, name, request, directory, ct);
    }

    private static async Task<IResult> DeleteAsync(string user, string name, PresenceDirectory directory, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        var outcome = await directory.ExecuteAsync(aor, new DeleteListCommand(name), ct);
        return outcome.StatusCode switch
        {
            404 => Results.Json(new ProblemJson($"{aor} has no list '{name}'."), statusCode: 404),
            >= 200 and < 300 => Results.NoContent(),
            _ => Results.Json(new ProblemJson(outcome.Reason ?? "Refused"), statusCode: 500),
        };
    }

    private static ListJson Json(string aor, ListValue list) => new(
        list.Name, ResourceList.UriOf(aor, list.Name), list.DisplayName,
        [.. list.Entries.Select(e => new ListEntryJson(e.Uri, e.DisplayName))], list.Subscribers, list.Subscriptions);
}

public sealed record ListEntryJson(string? Uri, string? DisplayName);

public sealed record ListJson(
    string? Name, string? Uri, string? DisplayName, ListEntryJson[]? Entries, string[]? Subscribers, int? Subscriptions);
