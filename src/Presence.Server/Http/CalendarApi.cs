using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Presence.Core.Calendar;
using Presence.Grains.Commands;
using Presence.Server.Presence;

namespace Presence.Server.Http;

/// <summary>
/// A user's calendar as a presence source (README "Presence from the calendar"): events pushed as iCalendar (RFC 5545,
/// <c>text/calendar</c>), read with Ical.Net; meetings make the user busy and out-of-office events do-not-disturb while
/// they run, on time.
/// </summary>
public static class CalendarApi
{
    public static IEndpointRouteBuilder MapCalendarApi(this IEndpointRouteBuilder app)
    {
        var user = app.MapGroup("/api/users/{user}/calendar").AddEndpointFilter(TokenFilter.RequireScope);
        user.MapGet("", GetAsync);
        user.MapPut("", PutAsync);
        user.MapDelete("", (string user, PresenceDirectory directory, CancellationToken ct) => ChangeAsync(user, null, null, directory, ct));
        user.MapPut("/source", PutSourceAsync);
        user.MapDelete("/source", (string user, PresenceDirectory directory, CancellationToken ct) =>
            SourceAsync(user, new SetCalendarSourceCommand(null, null, null, null), directory, ct));
        return app;
    }

    private static async Task<IResult> GetAsync(string user, PresenceDirectory directory, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        var view = await directory.GetAsync(aor, ct);
        return view.Calendar is { } calendar
            ? Results.Json(calendar)
            : Results.Json(new ProblemJson($"{aor} has no calendar."), statusCode: 404);
    }

    private static async Task<IResult> PutAsync(string user, string? timeZone, HttpRequest request, PresenceDirectory directory, CancellationToken ct)
    {
        if (!(request.ContentType ?? string.Empty).StartsWith(CalendarSchedule.ContentType, StringComparison.OrdinalIgnoreCase))
            return Results.Json(new ProblemJson("Send the calendar as text/calendar (iCalendar, RFC 5545)."), statusCode: 415);
        if (request.ContentLength > CalendarSchedule.MaxLength)
            return Results.Json(new ProblemJson($"A calendar is at most {CalendarSchedule.MaxLength} bytes."), statusCode: 413);
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        char[] buffer = new char[CalendarSchedule.MaxLength + 1];
        int length = await reader.ReadBlockAsync(buffer, ct);
        if (length > CalendarSchedule.MaxLength)
            return Results.Json(new ProblemJson($"A calendar is at most {CalendarSchedule.MaxLength} characters."), statusCode: 413);
        return await ChangeAsync(user, new string(buffer, 0, length), timeZone, directory, ct);
    }

    private static Task<IResult> PutSourceAsync(
        string user, CalendarSourceJson? body, PresenceDirectory directory, Calendar.CalendarSecrets secrets, CancellationToken ct)
    {
        if (body?.Url is null)
            return Task.FromResult(PresenceApi.Bad(
                "Give a source as {\"url\": \"https://caldav.example.com/alice/calendar/\", \"username\": \"alice\", \"password\": \"...\", \"timeZone\": \"Europe/Berlin\"}."));
        // The password is kept encrypted in the user's state (it must be sent again, so it cannot be hashed).
        string? password = body.Password is null ? null : secrets.Protect(body.Password);
        return SourceAsync(user, new SetCalendarSourceCommand(body.Url, body.Username, password, body.TimeZone), directory, ct);
    }

    private static async Task<IResult> SourceAsync(string user, SetCalendarSourceCommand command, PresenceDirectory directory, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        var outcome = await directory.ExecuteAsync(aor, command, ct);
        if (!outcome.IsSuccess)
            return Results.Json(new ProblemJson(outcome.Reason ?? "The source was refused."), statusCode: outcome.StatusCode >= 500 ? outcome.StatusCode : 400);
        if (command.Url is null)
            return Results.NoContent();
        return await GetAsync(user, directory, ct);
    }

    private static async Task<IResult> ChangeAsync(string user, string? text, string? timeZone, PresenceDirectory directory, CancellationToken ct)
    {
        if (!PresenceApi.TryAor(user, out string aor, out var problem))
            return problem;
        var outcome = await directory.ExecuteAsync(aor, new SetCalendarCommand(text, timeZone), ct);
        if (!outcome.IsSuccess)
            return Results.Json(new ProblemJson(outcome.Reason ?? "The calendar was refused."), statusCode: outcome.StatusCode >= 500 ? outcome.StatusCode : 400);
        if (text is null)
            return Results.NoContent();
        return await GetAsync(user, directory, ct);
    }
}

public sealed record CalendarSourceJson(string? Url, string? Username, string? Password, string? TimeZone);
