using System.Diagnostics;

namespace Presence.Grains.Users;

/// <summary>
/// The grains' spans, on the product's activity source ("Presence.Orleans", the same name the host's spans use, so one
/// listener sees both). Orleans' activity propagation makes the calling request's span current in the turn, so a
/// turn is its child across silos. Null at the cost of one check when nothing listens.
/// </summary>
internal static class GrainActivities
{
    public const string SourceName = "Presence.Orleans";

    private static readonly ActivitySource Source = new(SourceName, typeof(GrainActivities).Assembly.GetName().Version?.ToString(3));

    /// <summary>One turn of a user's grain.</summary>
    public static Activity? StartTurn(string aor, string what)
    {
        if (!Source.HasListeners())
            return null;
        var activity = Source.StartActivity("presentity turn", ActivityKind.Internal);
        activity?.SetTag("presence.aor", aor);
        activity?.SetTag("presence.command", what);
        return activity;
    }

    /// <summary>A turn's write, from staging it to its group-commit transaction's answer.</summary>
    public static Activity? StartCommit()
    {
        if (!Source.HasListeners())
            return null;
        return Source.StartActivity("store commit", ActivityKind.Internal);
    }
}
