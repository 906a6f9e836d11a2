using Presence.Core.Model;

namespace Presence.Core;

/// <summary>The presence rules an operator may tune; defaults follow common practice and the RFCs' advice.</summary>
public sealed record PresenceOptions
{
    /// <summary>Shortest registration accepted (RFC 3261 §10.3 step 7: shorter gets 423 with Min-Expires). Default 60 s.</summary>
    public int MinRegisterExpires { get; init; } = 60;

    /// <summary>Registration length when the client names none (RFC 3261 §10.2.1.1 suggests 3600 s).</summary>
    public int DefaultRegisterExpires { get; init; } = 3600;

    /// <summary>Longest registration granted; longer requests are shortened (RFC 3261 §10.3 step 7). Default 7200 s.</summary>
    public int MaxRegisterExpires { get; init; } = 7200;

    /// <summary>Shortest publication accepted (RFC 3903 §6 step 4: 423). Default 60 s.</summary>
    public int MinPublishExpires { get; init; } = 60;

    /// <summary>Publication length when the client names none (RFC 3903 §4.1: chosen by the ESC). Default 3600 s.</summary>
    public int DefaultPublishExpires { get; init; } = 3600;

    public int MaxPublishExpires { get; init; } = 7200;

    /// <summary>Shortest subscription accepted (RFC 6665 §4.2.1.1: 423). Default 60 s.</summary>
    public int MinSubscribeExpires { get; init; } = 60;

    /// <summary>RFC 3856 §6.4: the default duration of a presence subscription is 3600 s.</summary>
    public int DefaultSubscribeExpires { get; init; } = 3600;

    public int MaxSubscribeExpires { get; init; } = 7200;

    /// <summary>Most registered contacts per user (default 16).</summary>
    public int MaxBindings { get; init; } = 16;

    /// <summary>Most live publications (devices) per user (default 16).</summary>
    public int MaxPublications { get; init; } = 16;

    /// <summary>Most watchers per user (default 600, as Skype for Business caps them).</summary>
    public int MaxSubscriptions { get; init; } = 600;

    /// <summary>Most resource lists per user (default 16).</summary>
    public int MaxLists { get; init; } = 16;

    /// <summary>
    /// The least time between two NOTIFYs of one list subscription (default 250 ms, RFC 4662 §5 throttling): changes of
    /// members that come closer together than this leave in one NOTIFY, so an office arriving at 9:00 is a few NOTIFYs
    /// per list, not one per member. The first change after a quiet spell leaves at once.
    /// </summary>
    public TimeSpan ListNotifyThrottle { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How many list NOTIFYs may leave back to back before the throttle holds the next one (default 3): a token bucket
    /// refilled one per <see cref="ListNotifyThrottle"/>, so the odd change of a quiet list is never held, and a storm
    /// still leaves in one NOTIFY per throttle interval.
    /// </summary>
    public int ListNotifyBurst { get; init; } = 3;

    /// <summary>
    /// How list NOTIFYs are written for liblinphone older than 5.4 (Linphone apps, linphonec), which take them only with
    /// "Event: Presence" and Content-IDs without angle brackets, as Flexisip's legacy mode sends: <c>Auto</c> (default)
    /// for subscribers whose User-Agent says such a version, <c>Always</c>, or <c>Never</c> (RFC 4662 to the letter).
    /// </summary>
    public LegacyListClients LegacyLinphoneLists { get; init; } = LegacyListClients.Auto;

    /// <summary>
    /// The most bytes of member documents one list NOTIFY carries (default 60,000, so that it fits a UDP datagram): a
    /// full state of a long list names every member in its RLMI at once, and the documents past this follow in the
    /// next NOTIFYs (partial state), at the throttle's pace.
    /// </summary>
    public int MaxListNotifyBytes { get; init; } = 60_000;

    /// <summary>Most entries in one resource list (default 1,000).</summary>
    public int MaxListEntries { get; init; } = 1000;

    /// <summary>The time zone of a user's calendar when it was given none (an IANA name; default UTC): the notes'
    /// "until 15:00" and the calendar's floating and all-day times are read in it.</summary>
    public string CalendarTimeZone { get; init; } = "UTC";

    /// <summary>How often a user's calendar source is fetched (default 5 minutes; conditional requests, so an unchanged
    /// feed costs a 304). Events start and end on time whatever this is: it only bounds how late an edit is seen.</summary>
    public TimeSpan CalendarPollInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Calendar sources fetched at once per process (default 8); the others wait their turn.</summary>
    public int CalendarMaxConcurrentFetches { get; init; } = 8;

    /// <summary>Most alternative contacts a user may set (default 8).</summary>
    public int MaxAlternativeContacts { get; init; } = 8;

    /// <summary>Who may watch whom when the user has no rule of its own (default: own domain allowed, others confirm).</summary>
    public WatcherPolicy Watchers { get; init; } = new();

    public static PresenceOptions Default { get; } = new();
}

/// <summary>See <see cref="PresenceOptions.LegacyLinphoneLists"/>.</summary>
public enum LegacyListClients
{
    Auto,
    Always,
    Never,
}
