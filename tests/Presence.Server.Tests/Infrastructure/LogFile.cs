namespace Presence.Server.Tests.Infrastructure;

/// <summary>Reads a log a running client (SIPp, linphonec) is still writing.</summary>
internal static class LogFile
{
    /// <summary>The file's text so far; empty when it does not exist yet.</summary>
    public static async Task<string> ReadAsync(string path)
    {
        if (!File.Exists(path))
            return string.Empty;
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
