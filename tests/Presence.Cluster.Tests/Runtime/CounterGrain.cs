using System.Buffers.Binary;
using Presence.Cluster.Runtime;
using Presence.Cluster.Storage;

namespace Presence.Cluster.Tests.Runtime;

/// <summary>
/// The test grain: a counter that may expire (reset to 0) at a time, persisted through a group committer
/// into a real store, with probes that let the tests see overlap, order and expiry work.
/// </summary>
internal sealed class CounterGrain : IGrain
{
    private readonly CounterGrainFactory _factory;
    private long _version;
    private int _inside;

    private CounterGrain(CounterGrainFactory factory, string key)
    {
        _factory = factory;
        Key = key;
    }

    public string Key { get; }

    public long Count { get; private set; }

    public DateTimeOffset? ExpiresAt { get; private set; }

    /// <summary>Sequence numbers in the order turns ran (memory only).</summary>
    public List<int> Seen { get; } = [];

    /// <summary>The most turns ever inside this grain at once: must stay 1.</summary>
    public int MaxInside { get; private set; }

    /// <summary>When set, the next expiry work does nothing (as if it could not persist).</summary>
    public bool SkipNextDue { get; set; }

    public DateTimeOffset? NextDueAt => ExpiresAt;

    public bool CanDeactivate => _factory.AllowDeactivation;

    public static async ValueTask<CounterGrain> LoadAsync(CounterGrainFactory factory, string key, CancellationToken ct)
    {
        var grain = new CounterGrain(factory, key);
        var snapshot = await factory.Store.ReadAsync(factory.GrainType, key, ct);
        if (snapshot is not null)
        {
            grain._version = snapshot.Version;
            grain.ExpiresAt = snapshot.NextDueAt;
            grain.Count = BinaryPrimitives.ReadInt64LittleEndian(snapshot.Items.Single().Payload);
        }

        return grain;
    }

    /// <summary>Adds one and (with a time to live) sets the expiry; durable before it returns.</summary>
    public async ValueTask<long> IncrementAsync(TimeSpan? timeToLive = null)
    {
        Count++;
        if (timeToLive is { } ttl)
        {
            ExpiresAt = _factory.Time.GetUtcNow() + ttl;
        }

        await PersistAsync();
        return Count;
    }

    public async ValueTask ClearExpiryAsync()
    {
        ExpiresAt = null;
        await PersistAsync();
    }

    /// <summary>Records its sequence number and yields in the middle, so a second turn would overlap if it could.</summary>
    public async ValueTask<int> ProbeAsync(int sequence)
    {
        MaxInside = Math.Max(MaxInside, Interlocked.Increment(ref _inside));
        Seen.Add(sequence);
        await Task.Yield();
        Interlocked.Decrement(ref _inside);
        return sequence;
    }

    /// <summary>Changes memory, then fails: the change must not survive the turn.</summary>
    public ValueTask<long> CorruptAndThrow()
    {
        Count = 1_000_000;
        throw new InvalidOperationException("turn failed on purpose");
    }

    public async ValueTask OnDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        _factory.DueCalls.Enqueue((Key, now));
        if (SkipNextDue)
        {
            SkipNextDue = false;
            return;
        }

        if (ExpiresAt is { } at && at <= now)
        {
            Count = 0;
            ExpiresAt = null;
            await PersistAsync();
        }
    }

    private async Task PersistAsync()
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(payload, Count);
        var result = await _factory.Committer.CommitAsync(new GrainWrite(
            _factory.GrainType, Key, _version, [new StoredItem("counter", "value", payload)], [], ExpiresAt, []));
        if (result.Status != WriteStatus.Committed)
        {
            throw new InvalidOperationException($"Write conflict on {Key}: the store is at {result.NewVersion}");
        }

        _version = result.NewVersion;
    }
}
