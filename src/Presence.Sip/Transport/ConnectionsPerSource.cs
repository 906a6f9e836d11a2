using System.Collections.Concurrent;
using System.Net;

namespace Presence.Sip.Transport;

/// <summary>
/// Counts the open inbound connections of each source (<see cref="SourceKey"/>) against a cap, so that one host
/// opening connections and never finishing a message (slowloris) runs into its own limit, not everyone's.
/// Only sources with a connection open have an entry: memory follows the connections, which are capped too.
/// </summary>
internal sealed class ConnectionsPerSource(int max)
{
    private readonly ConcurrentDictionary<SourceKey, int> _open = new();

    /// <summary>Takes a slot for a new connection from <paramref name="address"/>; false when it has <c>max</c> already.</summary>
    public bool TryAcquire(IPAddress address)
    {
        if (max <= 0)
            return true;
        SourceKey key = SourceKey.From(address);
        while (true)
        {
            if (!_open.TryGetValue(key, out int count))
            {
                if (_open.TryAdd(key, 1))
                    return true;
                continue;
            }
            if (count >= max)
                return false;
            if (_open.TryUpdate(key, count + 1, count))
                return true;
        }
    }

    /// <summary>Gives back the slot taken by <see cref="TryAcquire"/>.</summary>
    public void Release(IPAddress address)
    {
        if (max <= 0)
            return;
        SourceKey key = SourceKey.From(address);
        while (_open.TryGetValue(key, out int count))
        {
            if (count <= 1 ? _open.TryRemove(new KeyValuePair<SourceKey, int>(key, count)) : _open.TryUpdate(key, count - 1, count))
                return;
        }
    }
}
