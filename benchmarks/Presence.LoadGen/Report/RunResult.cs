using Presence.LoadGen.Measure;

namespace Presence.LoadGen.Report;

/// <summary>Everything one run measured; written as JSON and Markdown, and what the smoke test asserts on.</summary>
public sealed record RunResult
{
    public required string Workload { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The prefix of the run's user names (find them in the server's store or logs).</summary>
    public required string RunId { get; init; }

    /// <summary>"udp:127.0.0.1:5060".</summary>
    public required string Server { get; init; }

    /// <summary>"open loop at 20/s" or "closed loop, 50 in flight".</summary>
    public required string Mode { get; init; }

    public double? TargetRate { get; init; }

    public int? Concurrency { get; init; }

    public required int Sockets { get; init; }

    public required int SimulatedUsers { get; init; }

    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    public required double SetupSeconds { get; init; }

    /// <summary>The measured phase: the sending time (open loop) or until the last change was delivered (closed loop).</summary>
    public required double DurationSeconds { get; init; }

    public required ChangeFigures Changes { get; init; }

    public required NotifyFigures Notifies { get; init; }

    /// <summary>Change sent → each NOTIFY it caused, over all groups.</summary>
    public required LatencyStats ChangeToNotify { get; init; }

    /// <summary>Change sent → its last NOTIFY (the whole fan-out delivered).</summary>
    public required LatencyStats ChangeToLastNotify { get; init; }

    public required IReadOnlyList<GroupResult> Groups { get; init; }

    public required IReadOnlyList<RequestResult> Requests { get; init; }

    /// <summary>Setup subscriptions: SUBSCRIBE sent → first NOTIFY.</summary>
    public required LatencyStats SetupSubscribeToFirstNotify { get; init; }

    public required TransportFigures Transport { get; init; }

    /// <summary>
    /// The load generator's own garbage-collection pauses during the measured phase (ms in all, and the gen 2
    /// collections): a pause delays the NOTIFYs it receives meanwhile, so the latencies include it.
    /// </summary>
    public double LoadGenGcPauseMs { get; init; }

    public int LoadGenGen2Collections { get; init; }

    /// <summary>Everything that went wrong, summed: failed requests, missing or unexplained NOTIFYs, internal errors.</summary>
    public required long Errors { get; init; }

    /// <summary>One line per kind of error, for people, and a hint when the errors look like the server's rate limit.</summary>
    public required IReadOnlyList<string> ErrorSummary { get; init; }

    public bool Passed => Errors == 0;
}

/// <param name="Started">Changes sent in the measured phase.</param>
/// <param name="Skipped">Changes not sent: the user's previous one still unanswered, or too many in flight.</param>
public sealed record ChangeFigures(long Started, long Skipped, double PerSecond);

/// <param name="Expected">NOTIFYs the successful changes owed (one per active watcher).</param>
/// <param name="Matched">NOTIFYs traced to their change.</param>
/// <param name="Missing">Still owed when the run ended, which waits at most the notify timeout after its last change.</param>
/// <param name="MatchedPerSecond">Matched NOTIFYs per second, from the start of the measured phase to the last one.</param>
public sealed record NotifyFigures(
    long Received, long FirstNotifies, long Expected, long Matched, long Missing, long Unattributed, long Misrouted,
    long Duplicates, long OutOfOrder, long Surplus, long Terminated, long Strays, double MatchedPerSecond);

public sealed record GroupResult(
    string Name, long Changes, long Expected, long Matched, long Missing, LatencyStats ChangeToNotify, LatencyStats ChangeToLastNotify);

public sealed record RequestResult(
    string Phase, string Method, long Sent, long Succeeded, long Rejected, long Timeouts, long TransportErrors,
    IReadOnlyDictionary<int, long> Statuses, LatencyStats Latency);

/// <param name="RequestRetransmissions">Requests this side sent again (timer E) for want of a response.</param>
/// <param name="NotifyRetransmissions">NOTIFYs the server sent again (our 200 late or lost), absorbed here.</param>
public sealed record TransportFigures(
    long RequestRetransmissions, long NotifyRetransmissions, long StrayResponses, long ParseErrors, long TransportErrors);
