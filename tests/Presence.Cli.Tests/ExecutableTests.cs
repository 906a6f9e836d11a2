using System.Diagnostics;
using Presence.Cli.Tests.Infrastructure;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Cli.Tests;

/// <summary>The presencectl executable itself, as a script runs it: its exit status and its streams.</summary>
[Collection(ServerCollection.Name)]
public sealed class ExecutableTests(ServerFixture fixture)
{
    [Fact]
    public async Task The_executable_exits_with_the_documented_codes_and_reads_its_environment()
    {
        var environment = new Dictionary<string, string>
        {
            ["PRESENCE_SERVER"] = fixture.Server.HttpBase!.ToString(),
            ["PRESENCE_TOKEN"] = ServerProcess.ApiToken,
        };

        var added = await RunAsync(environment, ["users", "add", "pia@process.test", "--password-stdin"], stdin: "correct-horse\n");
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Equal("added sip:pia@process.test", added.Out.Trim());

        var missing = await RunAsync(environment, ["users", "show", "nobody@process.test"]);
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.Empty(missing.Out);
        Assert.Equal("presencectl: server said 404 Not Found: No user sip:nobody@process.test.", missing.Error.Trim());

        var usage = await RunAsync(environment, ["users", "bogus"]);
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);

        var help = await RunAsync(environment, ["--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Exit codes:", help.Out, StringComparison.Ordinal);
    }

    private static async Task<CtlResult> RunAsync(Dictionary<string, string> environment, string[] args, string stdin = "")
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "presencectl.dll"));
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CtlResult(process.ExitCode, await output, await error);
    }
}
