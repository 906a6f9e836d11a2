using System.Diagnostics;
using System.Globalization;
using Presence.LoadGen.Drive;
using Presence.LoadGen.Measure;
using Presence.LoadGen.Workloads;

namespace Presence.LoadGen.Report;

/// <summary>Turns what a run counted into a <see cref="RunResult"/>, and decides what counts as an error.</summary>
internal static class RunResultBuilder
{
    public static RunResult Build(
        LoadContext context, Workload workload, DriveSummary drive, DateTimeOffset startedAt, TimeSpan setup, long measuredFrom)
    {
        LoadOptions options = context.Options;
        ChangeTracker tracker = context.Tracker;
        var transport = context.Pool.Totals();
        // Operations the driver started, less those that found their user still waiting and sent nothing.
        long sent = drive.Started - context.Skipped;
        long missing = tracker.Outstanding;
        (_, long lastMatched) = tracker.MatchedSpan;
        double window = lastMatched > measuredFrom ? Stopwatch.GetElapsedTime(measuredFrom, lastMatched).TotalSeconds : 0;

        var requests = new[] { context.SetupStats, context.RunStats }
            .SelectMany(phase => phase.Methods.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => new RequestResult(
                phase.Phase, m.Key, m.Value.Sent, m.Value.Succeeded, m.Value.Rejected, m.Value.Timeouts, m.Value.TransportErrors,
                m.Value.Statuses.OrderBy(s => s.Key).ToDictionary(s => s.Key, s => s.Value), m.Value.Latency.ToStats())))
            .ToList();

        var errors = new List<(long Count, string What)>();
        foreach (var r in requests)
        {
            foreach (var (status, n) in r.Statuses.Where(s => s.Key is < 200 or >= 300))
                errors.Add((n, $"{r.Phase} {r.Method} answered {status}"));
            errors.Add((r.Timeouts, $"{r.Phase} {r.Method} timed out (no final response in 64*T1)"));
            errors.Add((r.TransportErrors, $"{r.Phase} {r.Method} could not be sent"));
        }
        errors.Add((context.SetupWithoutNotify, "setup subscriptions got no first NOTIFY"));
        errors.Add((missing, $"NOTIFYs missing (still owed {options.NotifyTimeout.TotalSeconds:0.#} s after the last change)"));
        errors.Add((tracker.Unattributed, "NOTIFYs that no change of this run explains"));
        errors.Add((tracker.Misrouted, "NOTIFYs carrying another presentity's change"));
        errors.Add((tracker.Duplicates, "NOTIFYs repeating a change already notified in their dialog"));
        errors.Add((tracker.Terminated, "subscriptions terminated by the server"));
        errors.Add((transport.ParseErrors, "messages from the server that did not parse"));
        errors.Add((transport.TransportErrors, "transport errors"));
        errors.Add((context.InternalErrors, "load generator errors" + (context.FirstInternalError is { } ex ? $" (first: {ex.GetType().Name}: {ex.Message})" : string.Empty)));
        errors.RemoveAll(e => e.Count == 0);
        var summary = errors.Select(e => $"{e.Count.ToString("N0", CultureInfo.InvariantCulture)} {e.What}").ToList();
        // The server limits each address to 200 requests and 200 NOTIFY answers a second by default: past that it
        // answers 503, drops our 200s, and the subscriptions whose NOTIFYs time out end.
        if (requests.Any(r => r.Statuses.ContainsKey(503)) || tracker.Terminated > 0)
            summary.Add("(503s and ended subscriptions may be the server's per-address rate limit: "
                + "start it with --Sip:RateLimit:Enabled=false for load runs)");

        return new RunResult
        {
            Workload = workload.Name,
            StartedAt = startedAt,
            RunId = options.RunId!,
            Server = $"{options.Transport.ToString().ToLowerInvariant()}:{options.Server}",
            Mode = options.Rate is double rate
                ? $"open loop at {rate.ToString("0.##", CultureInfo.InvariantCulture)}/s"
                : $"closed loop, {options.Concurrency} in flight",
            TargetRate = options.Rate,
            Concurrency = options.Rate is null ? options.Concurrency : null,
            Sockets = context.Pool.Endpoints.Count,
            SimulatedUsers = workload.UserCount,
            Parameters = workload.Parameters.ToDictionary(p => p.Key, p => p.Value),
            SetupSeconds = setup.TotalSeconds,
            DurationSeconds = drive.Elapsed.TotalSeconds,
            Changes = new ChangeFigures(sent, drive.Skipped + context.Skipped, PerSecond(sent, drive.Elapsed.TotalSeconds)),
            Notifies = new NotifyFigures(
                tracker.NotifiesReceived, tracker.FirstNotifies, tracker.Overall.Expected, tracker.Overall.Matched, missing,
                tracker.Unattributed, tracker.Misrouted, tracker.Duplicates, tracker.OutOfOrder, tracker.Surplus, tracker.Terminated,
                tracker.Strays, PerSecond(tracker.Overall.Matched, window)),
            ChangeToNotify = tracker.Overall.ChangeToNotify.ToStats(),
            ChangeToLastNotify = tracker.Overall.ChangeToLastNotify.ToStats(),
            Groups = tracker.Groups.Select((g, i) => new GroupResult(
                g.Name, g.Changes, g.Expected, g.Matched, tracker.OutstandingIn(i), g.ChangeToNotify.ToStats(), g.ChangeToLastNotify.ToStats())).ToList(),
            Requests = requests,
            SetupSubscribeToFirstNotify = tracker.SetupFirstNotify.ToStats(),
            Transport = new TransportFigures(
                transport.RequestRetransmissions, transport.NotifyRetransmissions + context.Tracker.Retransmissions, transport.StrayResponses, transport.ParseErrors, transport.TransportErrors),
            Errors = errors.Sum(e => e.Count),
            ErrorSummary = summary,
        };
    }

    private static double PerSecond(long count, double seconds) => seconds > 0 ? count / seconds : 0;
}
