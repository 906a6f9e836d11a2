using Presence.Core.Presentity;
using Presence.Grains.Commands;
using Presence.Grains.Notify;

namespace Presence.Grains.Users;

/// <summary>
/// The user's grain as a resource list server (RFC 4662). Its back-end SUBSCRIBEs go to the members' grains one-way
/// (<see cref="IPresentityGrain.SubscribeFor"/>), and the members' answers and NOTIFYs come back on interleaving
/// calls that only keep them (<see cref="BackEndAnswered"/>, <see cref="MemberNotified"/>): no grain ever waits for
/// another's turn, so users whose lists name each other cannot deadlock. A list turn (on a one-shot timer) takes
/// what was kept into the presentity and sends the list NOTIFYs: at once while the throttle's bucket has a token
/// (<see cref="Core.PresenceOptions.ListNotifyBurst"/>, one more each <see cref="Core.PresenceOptions.ListNotifyThrottle"/>),
/// else when it has one again, and the first NOTIFY of a new subscription
/// waits (at most <see cref="FirstStateWait"/>) until the members it asked have answered.
/// </summary>
public sealed partial class PresentityGrain
{
    /// <summary>How long a list turn waits for members that have not answered yet before it sends what it has.</summary>
    private static readonly TimeSpan FirstStateWait = TimeSpan.FromSeconds(1);

    private List<NotifyMessage>? _memberNotifies;
    private List<(string CallId, int StatusCode, string? NotifierTag, int? Expires)>? _backEndAnswers;
    private HashSet<string>? _inFlight;
    private DateTimeOffset _inFlightSince;
    // The throttle's token bucket (Presence:Rules:ListNotifyBurst, refilled one per ListNotifyThrottle).
    private double _listTokens = double.NaN;
    private DateTimeOffset _listTokensAt;
    private IGrainTimer? _listTimer;
    private DateTimeOffset? _listTimerFor;

    public async Task SubscribeFor(SubscribeCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        PresenceAnswer answer = await RunAsync(command.Apply, "subscribe-for-list") ?? PresenceAnswer.NotStored;
        if (command.Edge is not { } edge || !edge.StartsWith(Presentity.ListEdgePrefix, StringComparison.Ordinal))
            return;
        string owner = edge[Presentity.ListEdgePrefix.Length..];
        if (owner == Aor)
            KeepAnswer(command.CallId, answer.StatusCode, answer.NotifierTag, answer.Expires);
        else
            await GrainFactory.GetGrain<IPresentityGrain>(owner).BackEndAnswered(command.CallId, answer.StatusCode, answer.NotifierTag, answer.Expires);
    }

    public Task BackEndAnswered(string callId, int statusCode, string? notifierTag, int? expires)
    {
        KeepAnswer(callId, statusCode, notifierTag, expires);
        return Task.CompletedTask;
    }

    public Task<bool> MemberNotified(NotifyMessage notify)
    {
        ArgumentNullException.ThrowIfNull(notify);
        return Task.FromResult(KeepNotify(notify));
    }

    private void KeepAnswer(string callId, int statusCode, string? notifierTag, int? expires)
    {
        (_backEndAnswers ??= []).Add((callId, statusCode, notifierTag, expires));
        _inFlight?.Remove(callId);
        ArmListTimer();
    }

    private bool KeepNotify(NotifyMessage notify)
    {
        // A back-end this user asked for but has not stored yet cannot exist: the SUBSCRIBE leaves after the write.
        if (!_presentity.IsBackEnd(notify.CallId))
            return false;
        (_memberNotifies ??= []).Add(notify);
        ArmListTimer();
        return true;
    }

    // Members' NOTIFYs to lists: to each list's owner (kept here when that is this user); a NOTIFY its owner no
    // longer wants ends the member's subscription, as a 481 would.
    private async Task<bool> DeliverToListsAsync(List<NotifyMessage> notifies)
    {
        var unwanted = new List<string>();
        var calls = new List<Task>(notifies.Count);
        foreach (var notify in notifies)
        {
            string owner = notify.Edge![Presentity.ListEdgePrefix.Length..];
            if (owner == Aor)
            {
                if (!KeepNotify(notify) && !notify.Terminal)
                    unwanted.Add(notify.SubscriptionId);
                continue;
            }
            calls.Add(Tell(owner, notify));
        }
        bool delivered = true;
        try
        {
            await Task.WhenAll(calls);
        }
        catch (Exception ex)
        {
            PresentityLog.DeliveryFailed(services.Logger, ex, Aor);
            delivered = false;
        }
        var self = this.AsReference<IPresentityGrain>();
        foreach (string id in unwanted)
            _ = self.NotifyFailed(id, 481);
        return delivered;

        async Task Tell(string owner, NotifyMessage notify)
        {
            if (!await GrainFactory.GetGrain<IPresentityGrain>(owner).MemberNotified(notify) && !notify.Terminal)
                unwanted.Add(notify.SubscriptionId);
        }
    }

    // After every turn: back-end SUBSCRIBEs it asked for leave, and a list NOTIFY owed gets its turn.
    private void AfterListTurn()
    {
        if (_presentity.HasBackEndWork)
        {
            var self = this.AsReference<IPresentityGrain>();
            DateTimeOffset now = services.Time.GetUtcNow();
            if (_inFlight is not { Count: > 0 })
                _inFlightSince = now;
            foreach (var work in _presentity.TakeBackEndWork())
            {
                var be = work.BackEnd;
                if (work.Expires > 0)
                    (_inFlight ??= []).Add(be.CallId);
                var command = new SubscribeCommand(
                    be.CallId, be.WatcherTag, be.NotifierTag, be.Subscriber, be.Subscriber, Aor, [], null, work.Expires, true, null,
                    be.Package, [.. work.SubscriberGroups], Presentity.ListEdgePrefix + Aor);
                var member = be.Member == Aor ? self : GrainFactory.GetGrain<IPresentityGrain>(be.Member);
                _ = member.SubscribeFor(command);
            }
        }
        if (_presentity.HasListNotifies || _memberNotifies is { Count: > 0 } || _backEndAnswers is { Count: > 0 })
            ArmListTimer();
    }

    private void ArmListTimer()
    {
        DateTimeOffset now = services.Time.GetUtcNow();
        double tokens = Refill(now);
        DateTimeOffset at = tokens >= 1 ? now : now + services.Options.ListNotifyThrottle * (1 - tokens);
        // The first state of a subscription waits for the members asked (the answer follows each member's NOTIFY).
        if (_inFlight is { Count: > 0 })
            at = Later(at, _inFlightSince + FirstStateWait);
        if (_listTimerFor is { } armed && armed <= at)
            return;
        _listTimerFor = at;
        TimeSpan dueIn = at > now ? at - now : TimeSpan.Zero;
        if (_listTimer is null)
            _listTimer = this.RegisterGrainTimer(static (grain, _) => grain.OnListTimerAsync(), this,
                new GrainTimerCreationOptions(dueIn, Timeout.InfiniteTimeSpan) { KeepAlive = true, Interleave = false });
        else
            _listTimer.Change(dueIn, Timeout.InfiniteTimeSpan);
    }

    private async Task OnListTimerAsync()
    {
        _listTimerFor = null;
        var answers = _backEndAnswers;
        var notifies = _memberNotifies;
        _backEndAnswers = null;
        _memberNotifies = null;
        DateTimeOffset now = services.Time.GetUtcNow();
        // Members asked but silent past the wait: their resources go out as pending and are retried at their due time.
        if (_inFlight is { Count: > 0 } && now - _inFlightSince >= FirstStateWait)
            _inFlight.Clear();
        bool waiting = _inFlight is { Count: > 0 };
        // Taken before the turn: what members say while it runs waits for the throttle, not for this turn's end.
        if (!waiting)
            _listTokens = Refill(now) - 1;
        await RunAsync((p, at) =>
        {
            if (answers is not null)
            {
                foreach (var (callId, status, tag, expires) in answers)
                    p.BackEndAnswered(callId, status, tag, expires, at);
            }
            if (notifies is not null)
            {
                foreach (var n in notifies.OrderBy(n => n.CSeq))
                    p.MemberNotified(n.CallId, n.CSeq, n.SubscriptionState, n.Body, at);
            }
            if (!waiting)
                p.FlushLists(at);
            return null;
        }, "lists");
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private double Refill(DateTimeOffset now)
    {
        var options = services.Options;
        int burst = Math.Max(1, options.ListNotifyBurst);
        if (double.IsNaN(_listTokens))
            _listTokens = burst;
        else if (options.ListNotifyThrottle > TimeSpan.Zero)
            _listTokens = Math.Min(burst, _listTokens + (now - _listTokensAt) / options.ListNotifyThrottle);
        else
            _listTokens = burst;
        _listTokensAt = now;
        return _listTokens;
    }
}
