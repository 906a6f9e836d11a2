using System.Collections.Concurrent;
using System.Threading.Channels;
using Presence.Core.Model;

namespace Presence.Server.Presence;

/// <summary>
/// In-process fan-out of composite changes, for the HTTP live stream, and the latest changes across users (the
/// dashboard's list). A slow reader loses the oldest events rather than holding anything up (bounded channel, drop oldest).
/// </summary>
public sealed class PresenceChangeFeed
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<HistoryEntry>, byte>> _listeners = new(StringComparer.Ordinal);

    /// <summary>The last changes of every user of this process, newest first.</summary>
    public RecentChanges Recent { get; } = new();

    public void Publish(string aor, HistoryEntry entry)
    {
        Recent.Add(aor, entry);
        if (!_listeners.TryGetValue(aor, out var channels))
            return;
        foreach (var channel in channels.Keys)
            channel.Writer.TryWrite(entry);
    }

    /// <summary>Changes of one user until <paramref name="ct"/> is cancelled.</summary>
    public async IAsyncEnumerable<HistoryEntry> ListenAsync(string aor, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateBounded<HistoryEntry>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });
        var set = _listeners.GetOrAdd(aor, _ => new());
        set[channel] = 0;
        try
        {
            while (true)
            {
                HistoryEntry entry;
                try
                {
                    entry = await channel.Reader.ReadAsync(ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
                yield return entry;
            }
        }
        finally
        {
            set.TryRemove(channel, out _);
        }
    }
}
