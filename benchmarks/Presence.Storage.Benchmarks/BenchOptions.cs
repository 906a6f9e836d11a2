using System.Globalization;

namespace Presence.Storage.Benchmarks;

/// <summary>The command line (see <see cref="Usage"/>).</summary>
public sealed record BenchOptions
{
    public const string Usage = """
        Presence.Storage.Benchmarks: our grain storage against Orleans' Persistence.AdoNet, through IGrainStorage.

          --duration T       time per step (default 10s; 500ms, 10s, 1m)
          --warmup T         unreported load before a target's first step (default 2s)
          --concurrency L    grains writing at once, one step each (default 1,16,64,256)
          --max-writes N     a step also ends after N writes (default 1000000)
          --items N          subscriptions a grain holds (default 40)
          --postgres CS      an Npgsql connection string to a server where the role may create databases;
                             without it only the SQLite targets run
          --targets L        of ours-sqlite, ours-postgres, adonet-postgres, adonet-sqlite
                             (default: all four, the PostgreSQL ones only with --postgres)
          --out FILE         the markdown report (default benchmarks/results/DATE-storage.md)
          --command TEXT     the command line the report names (default: this process's)

        benchmarks/storage.sh starts a throwaway PostgreSQL and runs this with --postgres.
        """;

    public static readonly string[] AllTargets = ["ours-sqlite", "ours-postgres", "adonet-postgres", "adonet-sqlite"];

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public IReadOnlyList<int> Concurrency { get; init; } = [1, 16, 64, 256];

    public long MaxWrites { get; init; } = 1_000_000;

    public int Items { get; init; } = 40;

    public string? Postgres { get; init; }

    public IReadOnlyList<string> Targets { get; init; } = [];

    public string? Out { get; init; }

    public string? Command { get; init; }

    /// <summary>The options, or null with <paramref name="error"/> saying what is wrong (empty for --help).</summary>
    public static BenchOptions? Parse(string[] args, out string? error)
    {
        var options = new BenchOptions();
        string? targets = null;
        error = null;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                var name = args[i];
                if (name is "-h" or "--help")
                {
                    error = string.Empty;
                    return null;
                }

                if (i + 1 >= args.Length)
                {
                    error = $"{name} needs a value";
                    return null;
                }

                var value = args[++i];
                if (name == "--targets")
                {
                    targets = value;
                    continue;
                }

                options = name switch
                {
                    "--duration" => options with { Duration = Time(value, name) },
                    "--warmup" => options with { Warmup = Time(value, name) },
                    "--concurrency" => options with { Concurrency = [.. value.Split(',').Select(v => Positive(v, name))] },
                    "--max-writes" => options with { MaxWrites = Positive(value, name) },
                    "--items" => options with { Items = Positive(value, name) },
                    "--postgres" => options with { Postgres = value },
                    "--out" => options with { Out = value },
                    "--command" => options with { Command = value },
                    _ => throw new FormatException($"unknown option {name}"),
                };
            }
        }
        catch (FormatException exception)
        {
            error = exception.Message;
            return null;
        }

        var chosen = targets is null
            ? AllTargets.Where(t => options.Postgres is not null || !t.EndsWith("-postgres", StringComparison.Ordinal)).ToList()
            : [.. targets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        if (chosen.FirstOrDefault(t => !AllTargets.Contains(t)) is { } unknown)
        {
            error = $"unknown target {unknown} (known: {string.Join(", ", AllTargets)})";
            return null;
        }

        if (options.Postgres is null && chosen.FirstOrDefault(t => t.EndsWith("-postgres", StringComparison.Ordinal)) is { } needsServer)
        {
            error = $"{needsServer} needs --postgres";
            return null;
        }

        if (options.Duration <= TimeSpan.Zero)
        {
            error = "--duration must be more than zero";
            return null;
        }

        if (chosen.Count == 0 || options.Concurrency.Count == 0)
        {
            error = "nothing to run";
            return null;
        }

        return options with { Targets = chosen };
    }

    private static int Positive(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException($"{name} wants a positive whole number, not \"{value}\"");

    private static TimeSpan Time(string value, string name)
    {
        var (number, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 0.001)
            : value.EndsWith('s') ? (value[..^1], 1.0)
            : value.EndsWith('m') ? (value[..^1], 60.0)
            : (value, 1.0);
        return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) && amount >= 0
            ? TimeSpan.FromSeconds(amount * unit)
            : throw new FormatException($"{name} wants a time such as 10s or 500ms, not \"{value}\"");
    }
}
