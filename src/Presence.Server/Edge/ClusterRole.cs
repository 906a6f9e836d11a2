using Microsoft.Extensions.Configuration;

namespace Presence.Server.Edge;

/// <summary>What one member of a deployment holds (ARCHITECTURE.md "The pieces"), from <c>Cluster:Role</c>.</summary>
public enum ClusterRole
{
    /// <summary>SIP and users' grains in one silo (the default, and the single process).</summary>
    Both,

    /// <summary>Users' grains and the HTTP API; no SIP.</summary>
    Silo,

    /// <summary>SIP transports and clients' flows; no users' grains (Orleans never places one here), no store. Each
    /// request becomes a call to the user's grain on a silo.</summary>
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
