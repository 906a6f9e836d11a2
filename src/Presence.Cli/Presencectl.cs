using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Presence.Cli.Commands;

namespace Presence.Cli;

/// <summary>
/// presencectl's command tree and how a line is run: a usage error is exit 2 before anything is sent; a command's
/// failure is a <see cref="CliFailure"/>, written as one line on stderr, its exit code returned.
/// </summary>
public sealed class Presencectl
{
    private readonly CliConsole _console;
    private readonly TimeProvider _time;

    public Presencectl(CliConsole console, Func<string, string?> environment, TimeProvider time)
    {
        _console = console;
        _time = time;
        Global = new GlobalOptions(environment);
        Root = new RootCommand(
            "presencectl: the operators' command line for Presence.Orleans, over its HTTP API.\n\n" + ExitCodes.HelpText);
        Global.AddTo(Root);
        Root.Subcommands.Add(UsersCommands.Create(this));
        Root.Subcommands.Add(SettingsCommands.Dnd(this));
        Root.Subcommands.Add(SettingsCommands.Alternatives(this));
        Root.Subcommands.Add(SettingsCommands.Voicemail(this));
        Root.Subcommands.Add(PresenceCommands.Create(this));
        Root.Subcommands.Add(HistoryCommand.Create(this));
        Root.Subcommands.Add(WatcherCommands.Watchers(this));
        Root.Subcommands.Add(WatcherCommands.Rules(this));
        Root.Subcommands.Add(ListCommands.Create(this));
        Root.Subcommands.Add(CalendarCommands.Create(this));
        Root.Subcommands.Add(ClusterCommands.Create(this));
    }

    public RootCommand Root { get; }

    public GlobalOptions Global { get; }

    public TimeProvider Time => _time;

    /// <summary>
    /// Runs one command line. <paramref name="handleSignals"/>: Ctrl+C and SIGTERM cancel the command (the real
    /// executable); tests cancel through <paramref name="ct"/> instead.
    /// </summary>
    public static Task<int> RunAsync(
        string[] args, CliConsole console, Func<string, string?> environment, bool handleSignals = false, CancellationToken ct = default) =>
        new Presencectl(console, environment, TimeProvider.System).InvokeAsync(args, handleSignals, ct);

    public async Task<int> InvokeAsync(string[] args, bool handleSignals, CancellationToken ct)
    {
        // No response files: "@example.org" is a domain in a watcher rule, not a file to read arguments from.
        ParseResult parse = Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        // System.CommandLine reports usage errors with exit code 1, which here means "the server said no".
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            string command = string.Join(' ', Path(parse.CommandResult));
            var messages = parse.Errors.Select(e => e.Message.TrimEnd('.')).ToList();
            // "presencectl users" alone: name what may follow rather than only that something must.
            if (parse.CommandResult.Command is { Action: null, Subcommands.Count: > 0 } group)
                messages.Add("one of " + string.Join(", ", group.Subcommands.Select(s => s.Name)));
            _console.Fail(string.Join("; ", messages) + $" (see '{command} --help')");
            return ExitCodes.Usage;
        }
        var invocation = new InvocationConfiguration
        {
            Output = _console.Out,
            Error = _console.Error,
            ProcessTerminationTimeout = handleSignals ? TimeSpan.FromSeconds(2) : null,
        };
        return await parse.InvokeAsync(invocation, ct);
    }

    /// <summary>
    /// Sets a command's action: resolve the server and token, run, and turn failures into exit codes.
    /// <paramref name="server"/>: a command aimed at another address than --server (cluster drain's --silo-url).
    /// </summary>
    public void Bind(Command command, Func<CommandContext, CancellationToken, Task<int>> action, Func<ParseResult, Uri?>? server = null) =>
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                using var api = new ApiClient(server?.Invoke(parse) ?? Global.ServerOf(parse), Global.TokenOf(parse));
                return await action(new CommandContext(parse, api, _console, parse.GetValue(Global.Json), _time), ct);
            }
            catch (CliFailure failure)
            {
                _console.Fail(failure.Message);
                return failure.ExitCode;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                _console.Fail("interrupted");
                return ExitCodes.Interrupted;
            }
        });

    /// <summary>The user argument most commands take first.</summary>
    public static Argument<string> UserArgument() => new("user")
    {
        Description = "The user's address: alice@example.com or sip:alice@example.com",
    };

    // "presencectl users add": the root is named after the executable, which is a test host in the tests.
    private static IEnumerable<string> Path(SymbolResult? result)
    {
        var names = new Stack<string>();
        for (; result is not null; result = result.Parent)
        {
            if (result is CommandResult c)
                names.Push(c.Command is RootCommand ? "presencectl" : c.Command.Name);
        }
        return names;
    }
}
