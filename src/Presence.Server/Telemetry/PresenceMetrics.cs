using System.Diagnostics.Metrics;
using Presence.Grains.Storage;

namespace Presence.Server.Telemetry;

/// <summary>
/// The "Presence.Orleans" meter of one host and the instruments the code records into directly: requests by outcome,
/// the change→NOTIFY delay, and each group commit. Everything that already has a counter somewhere is an observable
/// instrument (<see cref="PresenceObservables"/>), read only when a reader collects, so the hot path gains nothing.
/// With nothing listening, each recording is one check of a flag.
/// </summary>
public sealed class PresenceMetrics
{
    /// <summary>Seconds: 0.5 ms to 10 s (a NOTIFY normally leaves within a few ms; a slow disk shows at the top).</summary>
    public static readonly IReadOnlyList<double> DelayBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Writes per transaction: powers of two up to the group committer's default cap (512).</summary>
    public static readonly IReadOnlyList<long> BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _notifyDelay;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<long> _batchSize;

    public PresenceMetrics(IMeterFactory meterFactory, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(new MeterOptions(PresenceTelemetry.Name) { Version = PresenceTelemetry.Version });
        _requests = Meter.CreateCounter<long>(
            "sip.server.requests", "{request}",
            "SIP requests the server's core handled (new server transactions; retransmissions are absorbed below), by method and the class of the final response.");
        _notifyDelay = Meter.CreateHistogram(
            "presence.notify.delay", "s",
            "From the grain turn that changed a user's presence (PUBLISH, REGISTER, an expiry, an API call) to its NOTIFY being handed to the transport.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DelayBuckets });
        _commitDuration = Meter.CreateHistogram(
            "presence.store.commit.duration", "s",
            "How long one group-commit transaction took in the store, fsync included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DelayBuckets });
        _batchSize = Meter.CreateHistogram(
            "presence.store.commit.batch_size", "{write}",
            "Writes (each one user's turn) carried by one group-commit transaction.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = BatchBuckets });
        PresenceObservables.Register(Meter, services);
    }

    /// <summary>The meter; the host's meter factory disposes it with the container.</summary>
    public Meter Meter { get; }

    /// <summary>A request the core handled, with the status of its final response (0: none was sent).</summary>
    public void RequestHandled(string method, int statusCode)
    {
        if (!_requests.Enabled)
            return;
        var tags = new System.Diagnostics.TagList
        {
            { PresenceTelemetry.Attributes.SipMethod, PresenceTelemetry.MethodTag(method) },
            { PresenceTelemetry.Attributes.StatusClass, PresenceTelemetry.StatusClass(statusCode) },
        };
        _requests.Add(1, tags);
    }

    /// <summary>A NOTIFY left <paramref name="elapsed"/> after the turn that caused it.</summary>
    public void NotifySent(TimeSpan elapsed) => _notifyDelay.Record(elapsed.TotalSeconds);

    /// <summary>The group committer's hook (<see cref="GroupCommitter.BatchDone"/>).</summary>
    public void BatchDone(GroupCommitBatch batch)
    {
        _commitDuration.Record(batch.Duration.TotalSeconds);
        _batchSize.Record(batch.Writes);
    }
}
