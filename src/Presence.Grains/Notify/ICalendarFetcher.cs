using Presence.Core.Calendar;

namespace Presence.Grains.Notify;

/// <summary>
/// Fetches a user's calendar source (the host's HTTP client: conditional GET, credentials, bounded time, size and
/// concurrency). Never throws for what the source does: a failure is a <see cref="CalendarFetchStatus.Failed"/> with its reason.
/// </summary>
public interface ICalendarFetcher
{
    Task<CalendarFetch> FetchAsync(CalendarSource source, CancellationToken cancellationToken);
}

/// <summary>A fetch's outcome as it crosses to the user's grain.</summary>
[GenerateSerializer, Immutable]
public sealed record CalendarFetchValue(
    [property: Id(0)] CalendarFetchStatus Status, [property: Id(1)] string? Text, [property: Id(2)] string? ETag,
    [property: Id(3)] string? LastModified, [property: Id(4)] string? Error)
{
    public static CalendarFetchValue From(CalendarFetch f) => new(f.Status, f.Text, f.ETag, f.LastModified, f.Error);

    public CalendarFetch ToFetch() => new(Status, Text, ETag, LastModified, Error);
}
