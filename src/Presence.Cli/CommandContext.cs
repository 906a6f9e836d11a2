using System.CommandLine;

namespace Presence.Cli;

/// <summary>What a command's action works with: its parsed line, the API, where to write, and --json.</summary>
public sealed class CommandContext(ParseResult parse, ApiClient api, CliConsole console, bool json, TimeProvider time)
{
    public ParseResult Parse { get; } = parse;

    public ApiClient Api { get; } = api;

    public CliConsole Console { get; } = console;

    public bool Json { get; } = json;

    public TimeProvider Time { get; } = time;

    public T Get<T>(Option<T> option) => Parse.GetValue(option)!;

    public T Get<T>(Argument<T> argument) => Parse.GetValue(argument)!;

    /// <summary>With --json, the server's answer as it came; otherwise as <paramref name="render"/> shows it.</summary>
    public int Print<T>(ApiResponse response, Action<T> render)
    {
        if (Json)
            Console.Out.WriteLine(response.Text);
        else
            render(response.Read<T>());
        return ExitCodes.Ok;
    }

    /// <summary>A one-line confirmation, or the server's JSON with --json.</summary>
    public int Say<T>(ApiResponse response, Func<T, string> line) => Print<T>(response, value => Console.Out.WriteLine(line(value)));
}
