using Presence.Core.Presentity;

namespace Presence.Grains.Commands;

/// <summary>
/// One request to a user's grain, as it crosses silos: a serializable value (never a delegate), applied to the
/// user's <see cref="Presentity"/> in one turn. Each command names the Presence.Core operation it stands for;
/// the wire shape is ours (Orleans field ids), so Presence.Core stays free of Orleans.
/// </summary>
[GenerateSerializer, Immutable]
public abstract record PresenceCommand
{
    /// <summary>Runs the command's logic on the user's state at <paramref name="now"/>.</summary>
    public abstract PresenceOutcome Apply(Presentity presentity, DateTimeOffset now);

    /// <summary>The name spans and logs use ("register", "publish", ...).</summary>
    public abstract string Name { get; }
}
