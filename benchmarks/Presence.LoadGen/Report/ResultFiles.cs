using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Presence.LoadGen.Measure;

namespace Presence.LoadGen.Report;

/// <summary>Writes a <see cref="RunResult"/> as JSON (for tools) and Markdown (for people and the benchmarks folder).</summary>
public static class ResultFiles
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes "{workload}-{time}-{run id}.json" and ".md" into <paramref name="directory"/>; returns both paths.</summary>
    public static (string Json, string Markdown) Write(RunResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        string stem = Path.Combine(directory, $"{result.Workload}-{result.StartedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{result.RunId}");
        File.WriteAllText(stem + ".json", ToJson(result));
        File.WriteAllText(stem + ".md", ToMarkdown(result));
        return (stem + ".json", stem + ".md");
    }

    public static string ToJson(RunResult result) => JsonSerializer.Serialize(result, s_json);

    public static string ToMarkdown(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Presence.LoadGen: {result.Workload}")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture,
                $"{result.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC (run {result.RunId}) against {result.Server}, {result.Mode}, " +
                $"{result.SimulatedUsers:N0} simulated users on {result.Sockets:N0} sockets. " +
                $"Setup {result.SetupSeconds:0.0} s, measured {result.DurationSeconds:0.0} s.")
            .AppendLine()
            .AppendLine(result.Passed ? "**No errors.**" : $"**{result.Errors:N0} errors:**");
        foreach (string line in result.ErrorSummary)
            md.AppendLine("- " + line);
        md.AppendLine();

        md.AppendLine("| parameter | value |").AppendLine("|---|---|");
        foreach (var (name, value) in result.Parameters)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
        md.AppendLine();

        var n = result.Notifies;
        md.AppendLine("| figure | value |").AppendLine("|---|---:|")
            .AppendLine(CultureInfo.InvariantCulture, $"| changes sent | {result.Changes.Started:N0} ({result.Changes.PerSecond:N1}/s) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| changes skipped (previous unanswered, or backlog) | {result.Changes.Skipped:N0} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| NOTIFYs matched / expected | {n.Matched:N0} / {n.Expected:N0} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| NOTIFYs delivered per second | {n.MatchedPerSecond:N0} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| NOTIFYs missing | {n.Missing:N0} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| NOTIFYs received in all (first NOTIFYs of dialogs) | {n.Received:N0} ({n.FirstNotifies:N0}) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| out of order / duplicates / unattributed / strays (481) | {n.OutOfOrder:N0} / {n.Duplicates:N0} / {n.Unattributed:N0} / {n.Strays:N0} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| requests retransmitted by us (timer E) | {result.Transport.RequestRetransmissions:N0} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| NOTIFY retransmissions from the server | {result.Transport.NotifyRetransmissions:N0} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| load generator's GC pauses while measuring (gen 2 collections) | {result.LoadGenGcPauseMs:N0} ms ({result.LoadGenGen2Collections}) |")
            .AppendLine();

        md.AppendLine("## Change → NOTIFY (ms)").AppendLine()
            .AppendLine("| group | changes | NOTIFYs | missing | p50 | p99 | p99.9 | max | last NOTIFY p50 | last p99 | last p99.9 |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var g in result.Groups)
            md.AppendLine(GroupRow(g.Name, g.Changes, g.Matched, g.Missing, g.ChangeToNotify, g.ChangeToLastNotify));
        if (result.Groups.Count > 1)
            md.AppendLine(GroupRow("all", result.Changes.Started, n.Matched, n.Missing, result.ChangeToNotify, result.ChangeToLastNotify));
        md.AppendLine();

        md.AppendLine("## Requests (request → final response, ms)").AppendLine()
            .AppendLine("| phase | method | sent | 2xx | other final | timeouts | not sent | p50 | p99 | p99.9 | max |")
            .AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in result.Requests)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Phase} | {r.Method} | {r.Sent:N0} | {r.Succeeded:N0} | {r.Rejected:N0} | {r.Timeouts:N0} | {r.TransportErrors:N0} | " +
                $"{Ms(r.Latency.P50Ms)} | {Ms(r.Latency.P99Ms)} | {Ms(r.Latency.P999Ms)} | {Ms(r.Latency.MaxMs)} |");
        }
        if (result.SetupSubscribeToFirstNotify.Count > 0)
        {
            var s = result.SetupSubscribeToFirstNotify;
            md.AppendLine().AppendLine(CultureInfo.InvariantCulture,
                $"Setup SUBSCRIBE → first NOTIFY: p50 {Ms(s.P50Ms)}, p99 {Ms(s.P99Ms)}, p99.9 {Ms(s.P999Ms)}, max {Ms(s.MaxMs)} ms ({s.Count:N0}).");
        }
        md.AppendLine().AppendLine("Percentiles are read from log-linear buckets (within 0.8 %).");
        return md.ToString();
    }

    private static string GroupRow(string name, long changes, long matched, long missing, LatencyStats each, LatencyStats last) =>
        string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {changes:N0} | {matched:N0} | {missing:N0} | {Ms(each.P50Ms)} | {Ms(each.P99Ms)} | {Ms(each.P999Ms)} | {Ms(each.MaxMs)} | " +
            $"{Ms(last.P50Ms)} | {Ms(last.P99Ms)} | {Ms(last.P999Ms)} |");

    private static string Ms(double value) => value.ToString(value < 10 ? "0.00" : value < 100 ? "0.0" : "0", CultureInfo.InvariantCulture);
}
