using System.Diagnostics;
using Presence.LoadGen.Measure;
using Presence.Sip.Transactions;

namespace Presence.LoadGen.Sip;

/// <summary>A watcher's subscription to a presentity: the dialog the NOTIFYs arrive in, found by Call-ID.</summary>
internal sealed class WatcherSubscription
{
    // Made when first asked for: a seeded run holds millions of subscriptions and never waits on one.
    private TaskCompletionSource? _firstNotify;

    public WatcherSubscription(SimUser watcher, SimUser presentity, Change? initialChange = null)
        : this(watcher, presentity, $"{Guid.NewGuid():N}@{watcher.Endpoint.SentBy}", ResponseRouting.NewTag(), initialChange)
    {
    }

    /// <summary>A dialog whose identifiers were chosen beforehand (a seeded store holds them).</summary>
    public WatcherSubscription(SimUser watcher, SimUser presentity, string callId, string fromTag, Change? initialChange = null)
    {
        Watcher = watcher;
        Presentity = presentity;
        InitialChange = initialChange;
        FromTag = fromTag;
        CallId = callId;
    }

    public SimUser Watcher { get; }

    public SimUser Presentity { get; }

    /// <summary>In the subscription storm, the SUBSCRIBE is the change and the first NOTIFY its answer.</summary>
    public Change? InitialChange { get; }

    public string FromTag { get; }

    public string CallId { get; }

    /// <summary>Stopwatch time the SUBSCRIBE was sent.</summary>
    public long SentAt { get; set; } = Stopwatch.GetTimestamp();

    /// <summary>Guards the fields below; NOTIFYs of one dialog may be handled on two threads.</summary>
    public object Gate => this;

    public bool HasFirstNotify { get; set; }

    public bool Terminated { get; set; }

    /// <summary>The newest change marker this dialog has seen, to tell duplicates and reordering.</summary>
    public long LastSeq { get; set; }

    private long _maxCSeq;
    private ulong _seenBelow;

    /// <summary>
    /// Records a NOTIFY's CSeq; true when the dialog had it already (the server retransmitted it: our 200 came late
    /// or was lost). Remembers the highest and the 64 below it, so a late original is not taken for a retransmission.
    /// Call under <see cref="Gate"/>.
    /// </summary>
    public bool SeenCSeq(long cseq)
    {
        if (cseq > _maxCSeq)
        {
            long shift = cseq - _maxCSeq;
            _seenBelow = shift >= 64 ? 0 : (_seenBelow << (int)shift) | (_maxCSeq > 0 ? 1UL << (int)(shift - 1) : 0);
            _maxCSeq = cseq;
            return false;
        }
        if (cseq == _maxCSeq)
            return true;
        long below = _maxCSeq - cseq - 1;
        if (below >= 64)
            return true;
        ulong bit = 1UL << (int)below;
        bool seen = (_seenBelow & bit) != 0;
        _seenBelow |= bit;
        return seen;
    }

    /// <summary>Completes when the first NOTIFY of the dialog arrives.</summary>
    public Task FirstNotify => FirstNotifySource().Task;

    public void OnFirstNotify() => FirstNotifySource().TrySetResult();

    private TaskCompletionSource FirstNotifySource()
    {
        if (Volatile.Read(ref _firstNotify) is { } made)
            return made;
        Interlocked.CompareExchange(ref _firstNotify, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);
        return _firstNotify;
    }
}
