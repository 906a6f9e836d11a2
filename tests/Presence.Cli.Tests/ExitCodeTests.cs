using System.CommandLine;
using Presence.Cli.Tests.Infrastructure;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Cli.Tests;

/// <summary>
/// The exit codes and messages scripts rely on: each failure is one line on stderr, nothing on stdout, and the
/// documented code.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ExitCodeTests(ServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task A_bad_token_is_1_with_the_servers_reason()
    {
        var wrong = await Ctl.RunRawAsync(["--server", Server.HttpBase!.ToString(), "--token", "wrong", "users", "list"]);
        Assert.Equal(ExitCodes.Refused, wrong.ExitCode);
        Assert.Empty(wrong.Out);
        Assert.Equal("presencectl: server said 401 Unauthorized: A valid bearer token is required.", OneLine(wrong.Error));

        var none = await Ctl.RunRawAsync(["--server", Server.HttpBase!.ToString(), "users", "list"]);
        Assert.Equal(ExitCodes.Refused, none.ExitCode);
        Assert.Contains("no token given: use --token, --token-file or PRESENCE_TOKEN", OneLine(none.Error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("users", "show")]
    [InlineData("users", "disable")]
    [InlineData("users", "enable")]
    [InlineData("users", "password", "-p", "correct-horse")]
    [InlineData("users", "groups", "--clear")]
    public async Task An_unknown_user_is_4(params string[] command)
    {
        string[] args = [command[0], command[1], "nobody@unknown.test", .. command[2..]];
        var result = await Ctl.RunAsync(Server, args);
        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.Empty(result.Out);
        Assert.Equal("presencectl: server said 404 Not Found: No user sip:nobody@unknown.test.", OneLine(result.Error));
    }

    [Fact]
    public async Task An_unreachable_server_is_3()
    {
        int port = ServerProcess.FreePort("127.0.0.1");
        var result = await Ctl.RunRawAsync(["--server", $"http://127.0.0.1:{port}", "--token", "x", "presence", "get", "alice@example.com"]);
        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        Assert.Empty(result.Out);
        Assert.StartsWith($"presencectl: cannot reach http://127.0.0.1:{port}/: ", OneLine(result.Error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("users", "add", "alice@example.com")] // no password
    [InlineData("users", "add")] // no user
    [InlineData("users")] // no subcommand
    [InlineData("frobnicate")]
    [InlineData("users", "list", "--limit", "0")]
    [InlineData("presence", "watch", "a@b.test", "--timeout", "soon")]
    [InlineData("history", "a@b.test", "--since", "yesterday")]
    [InlineData("--server", "ftp://example.com", "users", "list")]
    [InlineData("users", "list", "--token", "x", "--token-file", "/nonexistent")]
    [InlineData("users", "list", "--token-file", "/nonexistent/token")]
    public async Task A_usage_error_is_2_and_sends_nothing(params string[] args)
    {
        // A server address where nothing listens: a usage error must stop before any call.
        int port = ServerProcess.FreePort("127.0.0.1");
        var result = await Ctl.RunRawAsync(args, new Dictionary<string, string> { ["PRESENCE_SERVER"] = $"http://127.0.0.1:{port}" });
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Empty(result.Out);
        Assert.StartsWith("presencectl: ", OneLine(result.Error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_and_token_come_from_the_environment_or_a_token_file()
    {
        var environment = new Dictionary<string, string>
        {
            ["PRESENCE_SERVER"] = Server.HttpBase!.ToString(),
            ["PRESENCE_TOKEN"] = ServerProcess.ApiToken,
        };
        Assert.Equal(0, (await Ctl.RunRawAsync(["cluster", "members"], environment)).ExitCode);

        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, ServerProcess.ApiToken + "\n");
            var fromFile = await Ctl.RunRawAsync(["--server", Server.HttpBase!.ToString(), "--token-file", file, "cluster", "members"]);
            Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
        }
        finally
        {
            File.Delete(file);
        }

        // An option on the line wins over the environment.
        var overridden = await Ctl.RunRawAsync(["--token", "wrong", "cluster", "members"], environment);
        Assert.Equal(ExitCodes.Refused, overridden.ExitCode);

        var badEnvironment = await Ctl.RunRawAsync(["cluster", "members"], new Dictionary<string, string> { ["PRESENCE_SERVER"] = "localhost:8080" });
        Assert.Equal(ExitCodes.Usage, badEnvironment.ExitCode);
        Assert.Contains("PRESENCE_SERVER", badEnvironment.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_command_has_help_and_the_root_documents_the_exit_codes()
    {
        var root = await Ctl.RunRawAsync(["--help"]);
        Assert.Equal(0, root.ExitCode);
        foreach (string line in new[] { "0    ok", "1    the server said no", "2    usage error", "3    cannot reach the server", "4    not found" })
            Assert.Contains(line, root.Out, StringComparison.Ordinal);

        var tree = new Presencectl(new CliConsole(TextReader.Null, TextWriter.Null, TextWriter.Null, false), _ => null, TimeProvider.System).Root;
        var paths = Paths(tree, []).ToList();
        Assert.True(paths.Count >= 25, $"only {paths.Count} commands");
        foreach (var path in paths)
        {
            var help = await Ctl.RunRawAsync([.. path, "--help"]);
            Assert.True(help.ExitCode == 0, $"{string.Join(' ', path)} --help: {help}");
            Assert.Contains("Usage:", help.Out, StringComparison.Ordinal);
            Assert.Contains("Description:", help.Out, StringComparison.Ordinal);
        }
    }

    private static IEnumerable<string[]> Paths(Command command, string[] prefix)
    {
        foreach (var sub in command.Subcommands)
        {
            string[] path = [.. prefix, sub.Name];
            yield return path;
            foreach (var deeper in Paths(sub, path))
                yield return deeper;
        }
    }

    private static string OneLine(string error)
    {
        Assert.Single(error.TrimEnd().Split('\n'));
        return error.TrimEnd();
    }
}
