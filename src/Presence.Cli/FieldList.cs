namespace Presence.Cli;

/// <summary>
/// "name:  value" lines with the values aligned, for one thing shown in full (a user, a presence). Plain text, so
/// that grep and cut work on it; a value of several lines continues under the first.
/// </summary>
public sealed class FieldList
{
    private readonly List<(string Name, string Value)> _fields = [];

    public FieldList Add(string name, string value)
    {
        _fields.Add((name, value));
        return this;
    }

    public void WriteTo(TextWriter output)
    {
        int width = _fields.Max(f => f.Name.Length) + 3;
        foreach (var (name, value) in _fields)
        {
            var lines = value.Split('\n');
            output.WriteLine((name + ":").PadRight(width) + lines[0]);
            foreach (string more in lines.Skip(1))
                output.WriteLine(new string(' ', width) + more);
        }
    }
}
