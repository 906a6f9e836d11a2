using Microsoft.Extensions.Configuration;

namespace Presence.Server.Edge;

/// <summary>What one process does in a deployment (ARCHITECTURE.md "The pieces"), from <c>Cluster:Role</c>.</summary>
public enum ClusterRole
{
    /// <summary>Edge and silo in one process (the default): it serves users, and with a silo list it also forwards
    /// the users other silos own.</summary>
    Both,

    /// <summary>Serves the users it is sent; forwards nothing.</summary>
    Silo,

    /// <summary>A stateless SIP proxy in front of the silos: no store, no users, it forwards every request
    /// except an OPTIONS addressed to itself.</summary>
    Edge,
}

public static class ClusterRoles
{
    public const string Key = "Cluster:Role";

    /// <summary>
    /// Reads <c>Cluster:Role</c> (both, silo or edge, any case; absent or empty is both). Read before the host is
    /// built, because the role decides which services exist at all.
    /// </summary>
    public static bool TryRead(IConfiguration configuration, out ClusterRole role, out string error)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? text = configuration[Key]?.Trim();
        error = string.Empty;
        role = ClusterRole.Both;
        if (string.IsNullOrEmpty(text))
            return true;
        // Enum.TryParse would take "2" or "Both, Edge": only the three names are roles.
        foreach (var candidate in Enum.GetValues<ClusterRole>())
        {
            if (text.Equals(candidate.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                role = candidate;
                return true;
            }
        }
        error = $"{Key} '{text}' must be both, silo or edge.";
        return false;
    }
}
