using Presence.Core.Calendar;
using Presence.Grains.Notify;

namespace Presence.Grains.Users;

/// <summary>
/// The user's calendar source is fetched outside the grain's turns (a slow server never holds the user's SIP requests):
/// a turn that finds a fetch due starts it, and the fetch hands its outcome back to the grain as a call of its own.
/// </summary>
public sealed partial class PresentityGrain
{
    public Task CalendarFetched(string url, CalendarFetchValue fetch)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        return RunAsync((p, now) =>
        {
            p.CalendarFetched(url, fetch.ToFetch(), now);
            return null;
        }, "calendar-fetched");
    }

    private void StartCalendarPoll(DateTimeOffset now)
    {
        if (services.CalendarFetcher is not { } fetcher || _presentity.TakeCalendarPoll(now) is not { } source)
            return;
        _ = FetchCalendarAsync(fetcher, source);
    }

    private async Task FetchCalendarAsync(ICalendarFetcher fetcher, CalendarSource source)
    {
        CalendarFetch result;
        try
        {
            result = await fetcher.FetchAsync(source, CancellationToken.None);
        }
        catch (Exception ex)
        {
            result = new CalendarFetch(CalendarFetchStatus.Failed, Error: ex.Message);
        }
        try
        {
            await this.AsReference<IPresentityGrain>().CalendarFetched(source.Url, CalendarFetchValue.From(result));
        }
        catch (Exception ex)
        {
            // The grain is going away: the next activation fetches again (its due time says so).
            PresentityLog.DeliveryFailed(services.Logger, ex, Aor);
        }
    }
}
