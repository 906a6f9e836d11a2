using Presence.Sip.Transactions;

namespace Presence.LoadGen.Sip;

/// <summary>
/// One simulated user: an address of record on one of the pool's sockets, with what its client keeps between
/// requests (the entity-tag of its publication, its CSeq numbers) and how many watchers it has.
/// </summary>
internal sealed class SimUser
{
    private int _busy;
    private int _watchers;
    private long _cseq;

    public SimUser(int index, string name, string domain, LoadEndpoint endpoint)
    {
        Index = index;
        Name = name;
        Aor = $"sip:{name}@{domain}";
        Endpoint = endpoint;
        Tag = ResponseRouting.NewTag();
        CallId = $"{Guid.NewGuid():N}@{endpoint.SentBy}";
    }

    public int Index { get; }

    /// <summary>The user part; also the user part of its Contact.</summary>
    public string Name { get; }

    public string Aor { get; }

    public LoadEndpoint Endpoint { get; }

    /// <summary>The From tag of its REGISTERs and PUBLISHes.</summary>
    public string Tag { get; }

    /// <summary>One Call-ID for its REGISTERs and PUBLISHes (RFC 3261 §10.2: the same for every REGISTER to a registrar).</summary>
    public string CallId { get; }

    /// <summary>The entity-tag of its live publication (RFC 3903 §4.1), null before the first PUBLISH.</summary>
    public string? EntityTag { get; set; }

    /// <summary>Subscriptions to this user that are active: the NOTIFYs each change of it should cause.</summary>
    public int ActiveWatchers => Volatile.Read(ref _watchers);

    public void AddWatcher() => Interlocked.Increment(ref _watchers);

    public void RemoveWatcher() => Interlocked.Decrement(ref _watchers);

    public long NextCSeq() => Interlocked.Increment(ref _cseq);

    /// <summary>
    /// One change at a time per user: a PUBLISH modifies the state the previous one's entity-tag names, so a second
    /// one before that answer would race it to a 412.
    /// </summary>
    public bool TryAcquire() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    public void Release() => Volatile.Write(ref _busy, 0);
}
