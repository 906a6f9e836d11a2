using Presence.LoadGen.Measure;
using Presence.LoadGen.Sip;

namespace Presence.LoadGen.Workloads;

/// <summary>What a workload works with: the sockets, the client, the tracker, and the counts of the two phases.</summary>
internal sealed class LoadContext(LoadOptions options, EndpointPool pool, ChangeTracker tracker)
{
    private int _nextUser;
    private long _skipped, _setupWithoutNotify, _internalErrors;
    private volatile string _phase = "starting";

    public LoadOptions Options { get; } = options;

    public EndpointPool Pool { get; } = pool;

    public ChangeTracker Tracker { get; } = tracker;

    public PresenceClient Client { get; } = new(options);

    public RequestStats SetupStats { get; } = new("setup");

    public RequestStats RunStats { get; } = new("measured");

    public Random Random { get; } = new(options.Seed);

    /// <summary>What the run is doing now, for the progress display.</summary>
    public string Phase
    {
        get => _phase;
        set => _phase = value;
    }

    /// <summary>Changes not sent because the user's previous one was still unanswered, or too many were in flight.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Setup subscriptions that got their 2xx but no first NOTIFY in time.</summary>
    public long SetupWithoutNotify => Interlocked.Read(ref _setupWithoutNotify);

    /// <summary>Exceptions inside the load generator itself (each one a bug here, not in the server).</summary>
    public long InternalErrors => Interlocked.Read(ref _internalErrors);

    public Exception? FirstInternalError { get; private set; }

    public void CountSkipped() => Interlocked.Increment(ref _skipped);

    public void CountSkipped(long n) => Interlocked.Add(ref _skipped, n);

    public void CountSetupWithoutNotify() => Interlocked.Increment(ref _setupWithoutNotify);

    public void OnInternalError(Exception ex)
    {
        if (Interlocked.Increment(ref _internalErrors) == 1)
            FirstInternalError = ex;
    }

    /// <summary>A new simulated user, on the next socket in turn.</summary>
    public SimUser NewUser(string role)
    {
        int index = Interlocked.Increment(ref _nextUser) - 1;
        return new SimUser(index, $"{Options.RunId}-{role}{index}", Options.Domain, Pool.For(index));
    }
}
