using Spectre.Console;

namespace Presence.Cli;

/// <summary>
/// Where presencectl writes: results on <see cref="Out"/>, one-line errors on <see cref="Error"/>. Tests run the
/// whole command line in-process with string writers; only a real terminal gets colours and live progress.
/// </summary>
public sealed class CliConsole(TextReader input, TextWriter output, TextWriter error, bool isTerminal)
{
    // Wide enough that tables of long addresses do not wrap when the output goes to a file or a pipe.
    private const int RedirectedWidth = 240;

    /// <summary>Where --password-stdin reads from.</summary>
    public TextReader In { get; } = input;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public bool IsTerminal { get; } = isTerminal;

    public static CliConsole System() => new(Console.In, Console.Out, Console.Error, !Console.IsOutputRedirected);

    /// <summary>A Spectre console on <see cref="Out"/>: plain text unless it is a terminal.</summary>
    public IAnsiConsole Rich()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!IsTerminal)
            console.Profile.Width = RedirectedWidth;
        return console;
    }

    /// <summary>An error as one line, so that a script can log it as it is.</summary>
    public void Fail(string message) =>
        Error.WriteLine("presencectl: " + string.Join(' ', message.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)));
}
