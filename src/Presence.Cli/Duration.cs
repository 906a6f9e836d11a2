using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Presence.Cli;

/// <summary>
/// Durations as operators type them: "30" or "30s", "500ms", "5m", "2h", "1d". Used for --timeout, and for
/// --since when it means "this long ago".
/// </summary>
public static class Duration
{
    public const string Syntax = "30s, 500ms, 5m, 2h or 1d";

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        int digits = 0;
        while (digits < s.Length && (char.IsAsciiDigit(s[digits]) || s[digits] == '.'))
            digits++;
        if (digits == 0 || !double.TryParse(s[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount))
            return false;
        double? ms = s[digits..].ToString().ToLowerInvariant() switch
        {
            "ms" => amount,
            "" or "s" => amount * 1000,
            "m" => amount * 60_000,
            "h" => amount * 3_600_000,
            "d" => amount * 86_400_000,
            _ => null,
        };
        if (ms is not { } total || total > TimeSpan.MaxValue.TotalMilliseconds)
            return false;
        value = TimeSpan.FromMilliseconds(total);
        return true;
    }

    /// <summary>A --timeout option: a wrong duration is a usage error.</summary>
    public static Option<TimeSpan?> TimeoutOption(string description) => new("--timeout")
    {
        Description = description,
        HelpName = "duration",
        CustomParser = ParseOption,
    };

    /// <summary>The parser of a duration option: a wrong value is a usage error that shows the syntax.</summary>
    public static TimeSpan? ParseOption(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TryParse(text, out var value) && value > TimeSpan.Zero)
            return value;
        result.AddError($"'{text}' is not a duration such as {Syntax}.");
        return null;
    }

    /// <summary>
    /// The parser of --since: a point in time (2026-01-01, 2026-01-01T08:00:00Z) or a duration back from now (1h).
    /// </summary>
    public static Func<ArgumentResult, DateTimeOffset?> SinceParser(TimeProvider time) => result =>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TryParse(text, out var ago))
            return time.GetUtcNow() - ago;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return at;
        result.AddError($"'{text}' is neither a time (2026-01-01T08:00:00Z) nor a duration back from now ({Syntax}).");
        return null;
    };
}
