using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Presence.Core.Model;
using Presence.Grains;
using Presence.Grains.Notify;
using Presence.Grains.Users;

namespace Presence.Server.Presence;

/// <summary>
/// Composite changes for this process's HTTP API: the latest changes of the users whose grains live here (the
/// dashboard's list, reported by the grains themselves), and the live stream of any user wherever its grain lives:
/// this process follows the user's grain (<see cref="IPresentityGrain.Follow"/>) with one observer for all its
/// streams, renewing the follow while someone listens. A slow reader loses the oldest events rather than holding
/// anything up (bounded channel, drop oldest).
/// </summary>
public sealed partial class PresenceChangeFeed(IGrainFactory grains, TimeProvider time, ILogger<PresenceChangeFeed> logger)
    : IPresenceChangeSink, IPresenceObserver
{
    private readonly IGrainFactory _grains = grains;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;

    /// <summary>How long a follow lasts without renewal, and how often it is renewed.</summary>
    internal static readonly TimeSpan Lease = TimeSpan.FromSeconds(30), Renewal = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Follow> _follows = new(StringComparer.Ordinal);
    private IPresenceObserver? _self;

    /// <summary>The last changes of every user whose grain is in this process, newest first.</summary>
    public RecentChanges Recent { get; } = new();

    /// <summary>A grain of this silo recorded a change (<see cref="IPresenceChangeSink"/>).</summary>
    public void Changed(string aor, HistoryEntry entry) => Recent.Add(aor, entry);

    /// <summary>A followed grain, anywhere, tells of a change (<see cref="IPresenceObserver"/>).</summary>
    Task IPresenceObserver.Changed(string aor, PresenceChange change)
    {
        if (_follows.TryGetValue(aor, out var follow))
            follow.Publish(change.ToEntry());
        return Task.CompletedTask;
    }

    /// <summary>
    /// Starts hearing of the user's changes; once this returns, no change is missed (the grain has the follow), so the
    /// caller reads the current state after it. Dispose the subscription to stop.
    /// </summary>
    public async Task<ChangeSubscription> SubscribeAsync(string aor, CancellationToken ct)
    {
        var channel = Channel.CreateBounded<HistoryEntry>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });
        while (true)
        {
            var follow = _follows.GetOrAdd(aor, key => new Follow(this, key));
            if (!follow.TryAdd(channel))
                continue; // it was just closing: take a new one
            try
            {
                await follow.Started.WaitAsync(ct).ConfigureAwait(false);
            }
            catch
            {
                follow.Remove(channel);
                throw;
            }
            return new ChangeSubscription(channel.Reader, () => follow.Remove(channel));
        }
    }

    private IPresenceObserver Self => _self ??= _grains.CreateObjectReference<IPresenceObserver>(this);

    /// <summary>The listeners of one user, and the loop that keeps its grain's follow alive while there are any.</summary>
    private sealed class Follow
    {
        private readonly PresenceChangeFeed _feed;
        private readonly string _aor;
        private readonly HashSet<Channel<HistoryEntry>> _channels = [];
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _stop = new();
        private bool _closed;

        public Follow(PresenceChangeFeed feed, string aor)
        {
            _feed = feed;
            _aor = aor;
            _ = RunAsync();
        }

        public Task Started => _started.Task;

        public bool TryAdd(Channel<HistoryEntry> channel)
        {
            lock (_channels)
            {
                if (_closed)
                    return false;
                _channels.Add(channel);
                return true;
            }
        }

        public void Remove(Channel<HistoryEntry> channel)
        {
            lock (_channels)
            {
                _channels.Remove(channel);
                if (_channels.Count > 0 || _closed)
                    return;
                _closed = true;
            }
            _feed._follows.TryRemove(new KeyValuePair<string, Follow>(_aor, this));
            _stop.Cancel();
        }

        public void Publish(HistoryEntry entry)
        {
            lock (_channels)
            {
                foreach (var channel in _channels)
                    channel.Writer.TryWrite(entry);
            }
        }

        private async Task RunAsync()
        {
            var grain = _feed._grains.GetGrain<IPresentityGrain>(_aor);
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await grain.Follow(_feed.Self, Lease).ConfigureAwait(false);
                    _started.TrySetResult();
                }
                catch (Exception ex) when (!_stop.IsCancellationRequested)
                {
                    // The grain's silo is changing hands: the stream goes on, and the next renewal follows again.
                    LogFollowFailed(_feed._logger, ex, _aor);
                    // The first follow failing fails the subscribers waiting for it; each removes itself, which closes this.
                    if (_started.TrySetException(ex))
                        return;
                }
                try
                {
                    await Task.Delay(Renewal, _feed._time, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            try
            {
                await grain.Unfollow(_feed.Self).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The lease ends it anyway.
                LogFollowFailed(_feed._logger, ex, _aor);
            }
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Debug, Message = "Following the changes of {Aor} failed; the stream goes on and follows again")]
    private static partial void LogFollowFailed(ILogger logger, Exception exception, string aor);
}

/// <summary>One listener's changes of one user; disposing it stops listening.</summary>
public sealed class ChangeSubscription(ChannelReader<HistoryEntry> reader, Action stop) : IDisposable
{
    public ChannelReader<HistoryEntry> Reader { get; } = reader;

    public void Dispose() => stop();
}
