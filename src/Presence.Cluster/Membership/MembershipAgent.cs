using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Presence.Cluster.Runtime;

namespace Presence.Cluster.Membership;

/// <summary>
/// One process's part in the cluster: joins the membership table, renews its lease, re-reads the table
/// when told (LISTEN/NOTIFY) or every probe interval, declares members whose lease ran out dead, and
/// keeps the ring. For a silo it also answers which partitions it serves (<see cref="IPartitionOwnership"/>):
/// it stops serving (fences itself) before its lease can run out, waits for a live previous owner to
/// hand over a partition it gains, and lets go of partitions it loses (through <see cref="Releaser"/>)
/// before it tells the others so. This file: lifetime and loops; the view and ownership are in the other part.
/// </summary>
public sealed partial class MembershipAgent : IPartitionOwnership, IAsyncDisposable
{
    private readonly PostgresMembershipTable _table;
    private readonly MembershipOptions _options;
    private readonly ClusterMember _template;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private TaskCompletionSource _refreshNow = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task[] _loops = [];
    private long _incarnation;
    private long _leaseValidUntil = long.MinValue;
    private volatile bool _leaving;
    private volatile bool _left;
    private bool _fenceLogged;
    private long _declaredDead;
    private long _lastCleanUp;
    private int _disposed;

    /// <param name="self">Who this process is: its name, role and addresses (incarnation, status and times are filled in on join).</param>
    public MembershipAgent(
        PostgresMembershipTable table, MembershipOptions options, ClusterMember self, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(self);
        options.Validate();
        _table = table;
        _options = options;
        _template = self;
        _time = time;
        _logger = logger;
        _state = OwnershipState.Empty(options.Partitions);
    }

    /// <summary>Told to let go of the grains of lost partitions; set by the silo before <see cref="StartAsync"/>.</summary>
    public IPartitionReleaser? Releaser { get; set; }

    /// <summary>Raised (on the agent's loop) after each new ring version is in force.</summary>
    public event Action<ClusterRing>? RingChanged;

    public string SiloId => _template.SiloId;

    public MemberRole Role => _template.Role;

    public long Incarnation => Interlocked.Read(ref _incarnation);

    /// <summary>A graceful leave has begun (drain, or a stop).</summary>
    public bool IsLeaving => _leaving;

    /// <summary>The leave is complete: this member owns nothing and is no longer in the ring.</summary>
    public bool HasLeft => _left;

    /// <summary>Members declared dead by this process (a member declares only what the database's clock says expired).</summary>
    public long DeclaredDead => Interlocked.Read(ref _declaredDead);

    /// <summary>A silo that could not renew its lease in time serves nothing until it does.</summary>
    public bool IsFenced => _template.Role == MemberRole.Silo && _time.GetTimestamp() > Interlocked.Read(ref _leaseValidUntil);

    /// <summary>Creates the tables if needed, joins, reads the first view (so ownership is known before serving), and starts the loops.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await _table.InitializeAsync(ct).ConfigureAwait(false);
        await JoinAsync(ct).ConfigureAwait(false);
        await RefreshAsync(ct).ConfigureAwait(false);
        var stop = _stop.Token;
        _loops =
        [
            Task.Run(() => RenewLoopAsync(stop), CancellationToken.None),
            Task.Run(() => RefreshLoopAsync(stop), CancellationToken.None),
            Task.Run(() => _table.ListenAsync(RequestRefresh, stop), CancellationToken.None),
        ];
    }

    /// <summary>
    /// Graceful leave: become Leaving (the others take this silo's partitions at once, but wait for it),
    /// let go of every grain and flush, mark drained, then Left. Whatever fails here, the lease running out
    /// ends the same way, only later.
    /// </summary>
    public async Task LeaveAsync(CancellationToken ct)
    {
        if (_left || Interlocked.Read(ref _incarnation) == 0)
            return;
        _leaving = true;
        while (true)
        {
            try
            {
                await ChangeStatusAsync(MemberStatus.Leaving, ct).ConfigureAwait(false);
                // Applies the view without this silo: its grains are released and flushed, drained is marked.
                await RefreshAsync(ct).ConfigureAwait(false);
                var version = await ChangeStatusAsync(MemberStatus.Left, ct).ConfigureAwait(false);
                _left = true;
                MembershipLog.Left(_logger, _options.ClusterId, version);
                return;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                // A busy or briefly unreachable database must not leave the silo half gone: try again until the
                // caller's deadline (Cluster:LeaveTimeout); past it, the lease running out ends the same way.
                MembershipLog.TableFailed(_logger, ex);
                await Task.Delay(200, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Re-read the table now (a notification came, or something here changed).</summary>
    public void RequestRefresh() => Volatile.Read(ref _refreshNow).TrySetResult();

    public async ValueTask DisposeAsync()
    {
        // The host stops it and the container disposes it: the second call has nothing to do.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task JoinAsync(CancellationToken ct)
    {
        var incarnation = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Interlocked.Read(ref _incarnation) + 1);
        var member = _template with { Incarnation = incarnation, Status = MemberStatus.Active };
        for (var attempt = 1; ; attempt++)
        {
            var snapshot = await _table.ReadAsync(ct).ConfigureAwait(false);
            var sent = _time.GetTimestamp();
            if (await _table.TryJoinAsync(member, _options.LeaseDuration, snapshot.Version, ct).ConfigureAwait(false))
            {
                Interlocked.Exchange(ref _incarnation, incarnation);
                ExtendLease(sent);
                MembershipLog.Joined(_logger, _options.ClusterId, member.SiloId, incarnation, member.Role, snapshot.Version + 1);
                return;
            }

            // Someone else changed the table between the read and the swap: read again.
            await Task.Delay(Random.Shared.Next(5, 20 + Math.Min(attempt, 10) * 10), ct).ConfigureAwait(false);
        }
    }

    private async Task<long> ChangeStatusAsync(MemberStatus status, CancellationToken ct)
    {
        while (true)
        {
            var snapshot = await _table.ReadAsync(ct).ConfigureAwait(false);
            var self = snapshot.Find(_template.SiloId, Incarnation);
            if (self is null || !self.IsLive || self.Status == status)
                return snapshot.Version;
            if (await _table.TrySetStatusAsync(_template.SiloId, Incarnation, status, snapshot.Version, ct).ConfigureAwait(false))
                return snapshot.Version + 1;
            await Task.Delay(Random.Shared.Next(5, 30), ct).ConfigureAwait(false);
        }
    }

    private void ExtendLease(long sentAt)
    {
        // From when the renewal was sent, not when it was answered: the database set the lease from a moment
        // no earlier than the send, so this bound is safe whatever the round trip cost.
        var valid = _options.LeaseDuration - _options.FenceMargin;
        Interlocked.Exchange(ref _leaseValidUntil, sentAt + (long)(valid.TotalSeconds * _time.TimestampFrequency));
    }

    private async Task RenewLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested && !_left)
        {
            var sent = _time.GetTimestamp();
            try
            {
                if (await _table.RenewAsync(_template.SiloId, Incarnation, _options.LeaseDuration, ct).ConfigureAwait(false))
                {
                    ExtendLease(sent);
                    if (_fenceLogged)
                    {
                        _fenceLogged = false;
                        MembershipLog.Unfenced(_logger);
                        RequestRefresh();
                    }
                }
                else if (!_leaving)
                {
                    // Declared dead while it could not renew: the others own its users now. Start over.
                    MembershipLog.DeclaredDeadSelf(_logger);
                    await RejoinAsync(ct).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                MembershipLog.TableFailed(_logger, ex);
            }

            if (IsFenced && !_fenceLogged && !_left)
            {
                _fenceLogged = true;
                MembershipLog.Fenced(_logger);
                _ = ReleaseAllAsync(ct);
            }

            try
            {
                await Task.Delay(_options.RenewInterval, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RefreshLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _refreshNow, signal);
            try
            {
                await RefreshAsync(ct).ConfigureAwait(false);
                await CleanUpIfDueAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                MembershipLog.TableFailed(_logger, ex);
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            await Task.WhenAny(signal.Task, Task.Delay(_options.ProbeInterval, _time, wait.Token)).ConfigureAwait(false);
            await wait.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task RefreshAsync(CancellationToken ct)
    {
        var snapshot = await _table.ReadAsync(ct).ConfigureAwait(false);
        if (snapshot.Members.Any(m => m.IsLive && m.LeaseExpires < snapshot.DatabaseNow))
        {
            var count = await _table.DeclareExpiredDeadAsync(snapshot.Version, ct).ConfigureAwait(false);
            if (count > 0)
            {
                Interlocked.Add(ref _declaredDead, count);
                MembershipLog.DeclaredDead(_logger, count, snapshot.Version + 1);
            }

            snapshot = await _table.ReadAsync(ct).ConfigureAwait(false);
        }

        await ApplyAsync(snapshot, ct).ConfigureAwait(false);
    }

    private async Task CleanUpIfDueAsync(CancellationToken ct)
    {
        var now = _time.GetTimestamp();
        if (_lastCleanUp != 0 && _time.GetElapsedTime(_lastCleanUp, now) < TimeSpan.FromMinutes(1))
            return;
        _lastCleanUp = now;
        var removed = await _table.CleanUpAsync(_options.DeadMemberRetention, ct).ConfigureAwait(false);
        if (removed > 0)
            MembershipLog.CleanedUp(_logger, removed);
    }

    private async Task RejoinAsync(CancellationToken ct)
    {
        await _applyLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _state = OwnershipState.Empty(_options.Partitions);
            if (Releaser is { } releaser)
                await releaser.ReleaseAsync(_ => true, ct).ConfigureAwait(false);
        }
        finally
        {
            _applyLock.Release();
        }

        await JoinAsync(ct).ConfigureAwait(false);
        RequestRefresh();
    }

    private async Task ReleaseAllAsync(CancellationToken ct)
    {
        try
        {
            if (Releaser is { } releaser)
                await releaser.ReleaseAsync(_ => true, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            MembershipLog.TableFailed(_logger, ex);
        }
    }
}
