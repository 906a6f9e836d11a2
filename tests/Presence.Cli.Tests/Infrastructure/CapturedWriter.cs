using System.Text;

namespace Presence.Cli.Tests.Infrastructure;

/// <summary>
/// A TextWriter that a test can read while a command still writes to it (presence watch): every write under one
/// lock, and a wait for a line to appear.
/// </summary>
public sealed class CapturedWriter : TextWriter
{
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_text)
            _text.Append(value);
    }

    public override void Write(string? value)
    {
        lock (_text)
            _text.Append(value);
    }

    public string Text
    {
        get
        {
            lock (_text)
                return _text.ToString();
        }
    }

    public override string ToString() => Text;

    public IReadOnlyList<string> Lines => Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public async Task WaitForLinesAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Lines.Count < count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Expected {count} lines within {timeout}, got:\n{Text}");
            await Task.Delay(20);
        }
    }
}
