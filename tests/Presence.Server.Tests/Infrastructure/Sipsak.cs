using System.Diagnostics;

namespace Presence.Server.Tests.Infrastructure;

/// <summary>Runs Debian's sipsak, a real SIP client, and returns its exit code and output.</summary>
public static class Sipsak
{
    public static bool IsInstalled => File.Exists("/usr/bin/sipsak");

    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        if (!IsInstalled)
            throw new InvalidOperationException("sipsak is not installed; ./test.sh installs it (apt-get install sipsak).");
        var start = new ProcessStartInfo("/usr/bin/sipsak")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("sipsak did not finish within 40 s.");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
