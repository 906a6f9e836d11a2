namespace Presence.Core.Documents;

/// <summary>The activity elements of RPID (RFC 4480) this project reads and writes.</summary>
internal static class RpidActivities
{
    public const string OnThePhone = "on-the-phone";
    public const string Busy = "busy";

    /// <summary>RFC 4480: "unknown" says nothing, so the reader drops it.</summary>
    public const string Unknown = "unknown";

    /// <summary>RFC 4480: a note may sit inside &lt;activities&gt;; it describes them and is not one.</summary>
    public const string Note = "note";

    /// <summary>
    /// The activities RFC 4480 defines, without "unknown" (meaningless) and "other" (free text): the only ones
    /// the writer emits, so that any RPID-aware watcher understands every element we send.
    /// </summary>
    private static readonly string[] s_standard =
    [
        "appointment", "away", "breakfast", "busy", "dinner", "holiday", "in-transit", "looking-for-work", "meal",
        "meeting", "on-the-phone", "performance", "permanent-absence", "playing", "presentation", "shopping",
        "sleeping", "spectator", "steering", "travel", "tv", "vacation", "working", "worship",
    ];

    /// <summary>The canonical name when <paramref name="name"/> is a standard activity, otherwise null.</summary>
    public static string? Standard(string? name)
    {
        if (name is null)
            return null;
        int index = Array.IndexOf(s_standard, name);
        return index < 0 ? null : s_standard[index];
    }
}
