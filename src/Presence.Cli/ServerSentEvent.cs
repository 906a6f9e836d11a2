using System.Runtime.CompilerServices;
using System.Text;

namespace Presence.Cli;

/// <summary>One event of a text/event-stream: its type ("message" when unnamed) and its data.</summary>
public sealed record ServerSentEvent(string Type, string Data)
{
    /// <summary>
    /// Reads events until the stream ends (WHATWG HTML §9.2.6 "Interpreting an event stream"): "field: value"
    /// lines, several data lines joined by a newline, a blank line dispatches, lines starting with ':' are comments
    /// (the server's keep-alives).
    /// </summary>
    public static async IAsyncEnumerable<ServerSentEvent> ReadAllAsync(Stream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string type = string.Empty;
        var data = new StringBuilder();
        bool hasData = false;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                    yield return new ServerSentEvent(type.Length == 0 ? "message" : type, data.ToString());
                type = string.Empty;
                data.Clear();
                hasData = false;
                continue;
            }
            if (line[0] == ':')
                continue;
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            string field = colon < 0 ? line : line[..colon];
            string value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
                value = value[1..];
            if (field == "event")
                type = value;
            else if (field == "data")
            {
                if (hasData)
                    data.Append('\n');
                data.Append(value);
                hasData = true;
            }
        }
    }
}
