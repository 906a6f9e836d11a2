namespace Presence.Server.Tests.Infrastructure;

/// <summary>Files of the repository the tests use as shipped (scripts, configuration examples).</summary>
internal static class Repository
{
    /// <summary>The folder holding Presence.Orleans.sln, found upwards from the test assembly.</summary>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Presence.Orleans.sln")))
                dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("The repository root was not found.");
        }
    }
}
