using Presence.Server.Tests.Infrastructure;

namespace Presence.Cli.Tests.Infrastructure;

/// <summary>What one presencectl run did: its exit code, standard output and standard error.</summary>
public sealed record CtlResult(int ExitCode, string Out, string Error)
{
    public IReadOnlyList<string> Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}

/// <summary>
/// Runs presencectl in-process, exactly as its Main does but with captured output and no environment unless a
/// test gives one, so the tests do not depend on the machine's PRESENCE_* variables.
/// </summary>
public static class Ctl
{
    /// <summary>Runs against <paramref name="server"/> with the operator's token.</summary>
    public static Task<CtlResult> RunAsync(ServerProcess server, params string[] args) =>
        RunRawAsync(["--server", server.HttpBase!.ToString(), "--token", ServerProcess.ApiToken, .. args]);

    public static async Task<CtlResult> RunRawAsync(
        string[] args, IReadOnlyDictionary<string, string>? environment = null, string stdin = "", TextWriter? output = null,
        bool terminal = false, CancellationToken ct = default)
    {
        var captured = output ?? new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(new StringReader(stdin), captured, error, terminal);
        int code = await Presencectl.RunAsync(args, console, name => environment?.GetValueOrDefault(name), handleSignals: false, ct);
        return new CtlResult(code, captured.ToString() ?? string.Empty, error.ToString());
    }
}
