namespace Presence.LoadGen.Measure;

/// <summary>The change → NOTIFY figures of one group of changes (all of them, or one fan-out size).</summary>
internal sealed class GroupMeasure(string name)
{
    private long _changes, _expected, _matched, _abandoned;

    public string Name { get; } = name;

    /// <summary>Change sent → each NOTIFY it caused.</summary>
    public LatencyHistogram ChangeToNotify { get; } = new();

    /// <summary>Change sent → the last of its NOTIFYs (the whole fan-out delivered).</summary>
    public LatencyHistogram ChangeToLastNotify { get; } = new();

    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>NOTIFYs owed by the changes whose request succeeded.</summary>
    public long Expected => Interlocked.Read(ref _expected) - Interlocked.Read(ref _abandoned);

    public long Matched => Interlocked.Read(ref _matched);

    public void OnBegin(int expected)
    {
        Interlocked.Increment(ref _changes);
        Interlocked.Add(ref _expected, expected);
    }

    public void OnAbandon(int expected) => Interlocked.Add(ref _abandoned, expected);

    /// <param name="record">False during the warm-up: counted as delivered, left out of the latencies.</param>
    public void OnMatched(long startedAt, long receivedAt, bool record = true)
    {
        Interlocked.Increment(ref _matched);
        if (record)
            ChangeToNotify.RecordTicks(startedAt, receivedAt);
    }
}
