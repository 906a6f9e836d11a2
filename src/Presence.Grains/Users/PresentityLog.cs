using Microsoft.Extensions.Logging;

namespace Presence.Grains.Users;

internal static partial class PresentityLog
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Error, Message = "The changes of {Aor} could not be stored; the request fails and the user is read again from the store")]
    public static partial void WriteFailed(ILogger logger, Exception exception, string aor);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Another activation wrote {Aor} first; this one leaves memory and the user is read again")]
    public static partial void WriteConflict(ILogger logger, string aor);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Error, Message = "NOTIFYs of {Aor} could not be handed over")]
    public static partial void DeliveryFailed(ILogger logger, Exception exception, string aor);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "A follower of {Aor} could not be told of a change")]
    public static partial void FollowerFailed(ILogger logger, Exception exception, string aor);

    [LoggerMessage(EventId = 2214, Level = LogLevel.Warning, Message = "The due sweeper of {GrainType} could not register its keep-alive reminder; it sweeps all the same and tries again")]
    public static partial void ReminderNotRegistered(ILogger logger, Exception exception, string grainType);

    [LoggerMessage(EventId = 2210, Level = LogLevel.Warning, Message = "Due sweep of {GrainType} failed; it runs again in {Interval}")]
    public static partial void SweepFailed(ILogger logger, Exception exception, string grainType, TimeSpan interval);

    [LoggerMessage(EventId = 2211, Level = LogLevel.Warning, Message = "Waking the due user {Aor} failed; the next sweep tries again")]
    public static partial void WakeFailed(ILogger logger, Exception exception, string aor);

    [LoggerMessage(EventId = 2212, Level = LogLevel.Debug, Message = "Due sweep woke {Count} users not in memory")]
    public static partial void Swept(ILogger logger, int count);
}
