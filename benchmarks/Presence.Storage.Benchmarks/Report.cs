using System.Globalization;
using System.Text;

namespace Presence.Storage.Benchmarks;

/// <summary>The run's markdown: where and how it ran, what each target writes, the table, the errors.</summary>
public sealed class Report(BenchOptions options, string command, string date)
{
    private readonly List<StepResult> _steps = [];
    private readonly List<(string Target, string Writes)> _writes = [];
    private readonly List<(string Target, string Failure)> _failures = [];
    private readonly List<(string Target, string Result)> _checks = [];
    private readonly List<(string Target, string Result)> _races = [];

    public string Machine { get; set; } = "";

    public string Commit { get; set; } = "";

    public string? Postgres { get; set; }

    public string LoadBefore { get; set; } = "";

    public string LoadAfter { get; set; } = "";

    public void Add(StepResult step) => _steps.Add(step);

    public void Writes(string target, string writes) => _writes.Add((target, writes));

    public void Checked(string target, string result) => _checks.Add((target, result));

    public void Raced(string target, string result) => _races.Add((target, result));

    public void Failed(string target, string failure) => _failures.Add((target, failure));

    public bool HasFailures => _failures.Count > 0;

    /// <summary>The header of the table <see cref="Row"/> prints a line of.</summary>
    public static string Header() =>
        "| target | grains | writes/s | p50 ms | p99 ms | max ms | errors | writes/transaction |\n"
        + "|---|---:|---:|---:|---:|---:|---:|---:|";

    public static string Row(StepResult s) => string.Create(CultureInfo.InvariantCulture,
        $"| {s.Target} | {s.Concurrency} | {s.WritesPerSecond:N0} | {Ms(s.Percentile(50))} | {Ms(s.Percentile(99))} | {Ms(s.MaxMs)} | {s.ErrorCount:N0} | {s.WritesPerTransaction:F1} |");

    public string Table()
    {
        var table = new StringBuilder(Header()).Append('\n');
        foreach (var step in _steps)
        {
            table.Append(Row(step)).Append('\n');
        }

        return table.ToString();
    }

    public string Markdown()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# Grain storage: ours against Orleans' Persistence.AdoNet, {date}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Command: `{command}`\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Machine: {Machine}; load average {LoadBefore} before, {LoadAfter} after. Git {Commit}.\n");
        if (Postgres is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"PostgreSQL: {Postgres}; each target on a fresh database of its own.\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"""

            Load: each grain is one writer calling `IGrainStorage` as a grain's persistent state does: `ReadStateAsync`
            once at the start of each step, then `WriteStateAsync` after `WriteStateAsync`, the etag carried from each
            call to the next, the next write starting when the last one returned (a non-reentrant grain). Steps of
            {options.Duration.TotalSeconds:0.###} s (or {options.MaxWrites:N0} writes, whichever first) at each concurrency; before
            a target's first step, {options.Warmup.TotalSeconds:0.###} s of unreported load. Every grain was seeded with
            {options.Items} subscriptions; every write changes one of them. Latencies are of successful writes
            (`WriteStateAsync` alone; the change is staged before the clock starts). writes/transaction: writes per
            commit (group commit for ours; Persistence.AdoNet commits each write alone).

            What one `WriteStateAsync` writes:

            """);
        foreach (var (target, writes) in _writes)
        {
            text.Append(CultureInfo.InvariantCulture, $"- **{target}**: {writes}.\n");
        }

        text.Append('\n').Append(Table());
        if (_checks.Count > 0)
        {
            text.Append("\nAfter the run, each grain read back once:\n\n");
            foreach (var (target, result) in _checks)
            {
                text.Append(CultureInfo.InvariantCulture, $"- {target}: {result}.\n");
            }
        }

        if (_races.Count > 0)
        {
            text.Append("\nThen a race (FirstWriteRace: two activations of a new grain both write its first state):\n\n");
            foreach (var (target, result) in _races)
            {
                text.Append(CultureInfo.InvariantCulture, $"- {target}: {OneLine(result)}.\n");
            }
        }

        var errors = _steps.Where(s => s.ErrorCount > 0).ToList();
        if (errors.Count > 0 || _failures.Count > 0)
        {
            text.Append("\nErrors:\n\n");
            foreach (var step in errors)
            {
                foreach (var (type, (count, message)) in step.Errors)
                {
                    text.Append(CultureInfo.InvariantCulture, $"- {step.Target}, {step.Concurrency} grains: {count:N0} x {type}: {OneLine(message)}\n");
                }
            }

            foreach (var (target, failure) in _failures)
            {
                text.Append(CultureInfo.InvariantCulture, $"- {target} did not run to the end: {OneLine(failure)}\n");
            }
        }

        return text.ToString();
    }

    private static string Ms(double ms) => double.IsNaN(ms) ? "-"
        : ms < 10 ? ms.ToString("F2", CultureInfo.InvariantCulture)
        : ms < 100 ? ms.ToString("F1", CultureInfo.InvariantCulture)
        : ms.ToString("N0", CultureInfo.InvariantCulture);

    private static string OneLine(string message)
    {
        var line = message.ReplaceLineEndings(" ");
        return line.Length > 300 ? line[..300] + "..." : line;
    }
}
