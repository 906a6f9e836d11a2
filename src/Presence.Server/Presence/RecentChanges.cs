using Presence.Core.Model;

namespace Presence.Server.Presence;

/// <summary>A composite change of one user, as the latest-changes list shows it.</summary>
public sealed record RecentChange(string Aor, HistoryEntry Entry);

/// <summary>
/// The last few composite changes across all users of this process, newest first: a fixed ring, so keeping it costs one
/// short lock per change and no allocation beyond the record, and it never grows with the number of users.
/// </summary>
public sealed class RecentChanges
{
    /// <summary>How many changes are kept (the dashboard shows this many at most).</summary>
    public const int DefaultCapacity = 50;

    private readonly RecentChange?[] _ring;
    private readonly Lock _lock = new();
    private long _written;

    public RecentChanges(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new RecentChange?[capacity];
    }

    public int Capacity => _ring.Length;

    public void Add(string aor, HistoryEntry entry)
    {
        var change = new RecentChange(aor, entry);
        lock (_lock)
        {
            _ring[_written % _ring.Length] = change;
            _written++;
        }
    }

    /// <summary>Up to <paramref name="limit"/> changes, newest first.</summary>
    public IReadOnlyList<RecentChange> Latest(int limit = DefaultCapacity)
    {
        lock (_lock)
        {
            int count = (int)Math.Min(Math.Min(_written, _ring.Length), Math.Max(0, limit));
            var latest = new RecentChange[count];
            for (int i = 0; i < count; i++)
                latest[i] = _ring[(_written - 1 - i) % _ring.Length]!;
            return latest;
        }
    }
}
