using Microsoft.Extensions.Logging;
using Presence.Core;
using Presence.Grains.Notify;

namespace Presence.Grains.Users;

/// <summary>What every user's grain of a silo shares: the presence rules, the clock, where NOTIFYs and changes go, the tally.</summary>
public sealed class PresentityGrainServices(
    PresenceOptions options, TimeProvider time, INotifyDelivery delivery, IPresenceChangeSink changes, PresenceTally tally,
    ILogger<PresentityGrain> logger, IServiceProvider provider)
{
    /// <summary>Fetches calendar sources; null where the host provides none (then sources are not fetched).</summary>
    public ICalendarFetcher? CalendarFetcher { get; } = provider.GetService(typeof(ICalendarFetcher)) as ICalendarFetcher;

    public PresenceOptions Options { get; } = options;

    public TimeProvider Time { get; } = time;

    public INotifyDelivery Delivery { get; } = delivery;

    public IPresenceChangeSink Changes { get; } = changes;

    public PresenceTally Tally { get; } = tally;

    public ILogger Logger { get; } = logger;
}
