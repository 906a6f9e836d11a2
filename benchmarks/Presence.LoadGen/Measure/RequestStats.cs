using System.Collections.Concurrent;
using Presence.Sip.Transactions;

namespace Presence.LoadGen.Measure;

/// <summary>The outcomes of one method's requests in one phase: final statuses, timeouts, transport errors, latency.</summary>
internal sealed class MethodStats
{
    private long _sent, _succeeded, _rejected, _timeouts, _transportErrors;

    public ConcurrentDictionary<int, long> Statuses { get; } = new();

    /// <summary>Request sent → final response.</summary>
    public LatencyHistogram Latency { get; } = new();

    public long Sent => Interlocked.Read(ref _sent);

    public long Succeeded => Interlocked.Read(ref _succeeded);

    /// <summary>Final responses outside 2xx.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>No final response within 64*T1 (timer F).</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    public long TransportErrors => Interlocked.Read(ref _transportErrors);

    public long Failures => Rejected + Timeouts + TransportErrors;

    public void OnSent() => Interlocked.Increment(ref _sent);

    public void OnResult(ClientTransactionResult result, long sentAt, long doneAt)
    {
        switch (result.Outcome)
        {
            case ClientTransactionOutcome.Response:
                Latency.RecordTicks(sentAt, doneAt);
                Statuses.AddOrUpdate(result.StatusCode, 1, (_, n) => n + 1);
                Interlocked.Increment(ref result.StatusCode is >= 200 and < 300 ? ref _succeeded : ref _rejected);
                break;
            case ClientTransactionOutcome.Timeout:
                Interlocked.Increment(ref _timeouts);
                break;
            default:
                Interlocked.Increment(ref _transportErrors);
                break;
        }
    }
}

/// <summary>The request outcomes of one phase (setup or measured), by method.</summary>
internal sealed class RequestStats(string phase)
{
    private readonly ConcurrentDictionary<string, MethodStats> _methods = new(StringComparer.Ordinal);

    public string Phase { get; } = phase;

    public IReadOnlyDictionary<string, MethodStats> Methods => _methods;

    public MethodStats For(string method) => _methods.GetOrAdd(method, _ => new MethodStats());

    public long Sent => _methods.Values.Sum(m => m.Sent);

    public long Succeeded => _methods.Values.Sum(m => m.Succeeded);

    public long Failures => _methods.Values.Sum(m => m.Failures);
}
