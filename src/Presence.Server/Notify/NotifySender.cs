using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Presence.Grains;
using Presence.Grains.Notify;
using Presence.Server.Presence;
using Presence.Server.Sip;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Presence.Sip.Transactions;
using Presence.Sip.Transport;

namespace Presence.Server.Notify;

/// <summary>
/// Turns a <see cref="NotifyMessage"/> into a NOTIFY in the subscription's dialog (RFC 6665 §4.2.2, RFC 3261 §12.2.1.1)
/// and sends it from this SIP node in a client transaction; a final answer that ends the subscription goes back to
/// the user's grain. While a SUBSCRIBE of a dialog is still waiting for its response here, that dialog's NOTIFYs wait
/// too (<see cref="HoldDialog"/>): the 200 goes first, as RFC 6665 §4.2.1 expects watchers to see it.
/// </summary>
public sealed class NotifySender(
    IServiceProvider services, LocalIdentity identity, IGrainFactory grains, ILogger<NotifySender> logger,
    Telemetry.PresenceMetrics? metrics = null)
{
    private readonly ConcurrentDictionary<(string CallId, string WatcherTag), DialogHold> _holds = new();

    // Resolved on first use: the endpoint's dispatcher reaches the grains, whose NOTIFYs come back here.
    private SipEndpointService? _endpoint;

    private long _sent, _failed;

    public long Sent => Interlocked.Read(ref _sent);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>
    /// Holds the NOTIFYs of the dialog (Call-ID, the watcher's tag) until the returned handle is disposed, when they go
    /// in the order they came. The SUBSCRIBE handler holds its dialog from before the grain call until its response is sent.
    /// </summary>
    public IDisposable HoldDialog(string callId, string watcherTag)
    {
        var hold = new DialogHold(this, (callId, watcherTag));
        _holds[hold.Key] = hold;
        return hold;
    }

    /// <param name="turnAt">When the turn that caused it ran, or when it reached this node (<see cref="Stopwatch.GetTimestamp"/>), for the delay histogram.</param>
    public void Send(string aor, NotifyMessage notify, long turnAt)
    {
        if (_holds.TryGetValue((notify.CallId, notify.WatcherTag), out var hold) && hold.TryQueue(aor, notify, turnAt))
            return;
        SendNow(aor, notify, turnAt);
    }

    private void SendNow(string aor, NotifyMessage notify, long turnAt)
    {
        _endpoint ??= (SipEndpointService)services.GetService(typeof(SipEndpointService))!;
        var layer = _endpoint?.Transactions;
        var span = Telemetry.PresenceActivities.StartNotify(default, notify.Package);
        if (layer is null || !TryDestination(notify, out var destination))
        {
            PresenceLog.NotifyUnroutable(logger, aor, notify.RemoteTarget);
            if (span is not null)
                Telemetry.PresenceActivities.Stop(span, 0);
            Report(aor, notify, 503);
            return;
        }
        string branch = SipTransactionLayer.NewBranch();
        var request = SipMessageBuilder.Request(SipMethods.Notify, notify.RemoteTarget)
            .Add(HeaderId.Via, $"SIP/2.0/{destination.Transport.ToViaToken()} {identity.SentBy(destination.Transport)};branch={branch};rport")
            .Add(HeaderId.MaxForwards, "70");
        foreach (string route in notify.RouteSet)
            request.Add(HeaderId.Route, route);
        request
            .Add(HeaderId.From, $"<{notify.NotifierUri ?? aor}>;tag={notify.NotifierTag}")
            .Add(HeaderId.To, $"<{notify.WatcherUri}>;tag={notify.WatcherTag}")
            .Add(HeaderId.CallId, notify.CallId)
            .Add(HeaderId.CSeq, notify.CSeq.ToString(CultureInfo.InvariantCulture) + " NOTIFY")
            .Add(HeaderId.Event, notify.EventId is null ? notify.Package : notify.Package + ";id=" + notify.EventId)
            .Add(HeaderId.SubscriptionState, notify.SubscriptionState)
            .Add(HeaderId.Contact, $"<{identity.ContactUri(destination.Transport)}>")
            .Add(HeaderId.Server, SipRequestDispatcher.ServerName);
        // A pending or rejected watcher's NOTIFY has no body (RFC 3856 §6.6), hence no Content-Type either.
        if (notify.Body.Length > 0)
            request.WithBody(notify.ContentType, notify.Body);
        var transaction = layer.SendRequest(destination, request, branch);
        Interlocked.Increment(ref _sent);
        if (turnAt != 0)
            metrics?.NotifySent(Stopwatch.GetElapsedTime(turnAt));
        _ = AwaitResultAsync(aor, notify, transaction, span);
    }

    private async Task AwaitResultAsync(string aor, NotifyMessage notify, NonInviteClientTransaction transaction, Activity? span)
    {
        var result = await transaction.Completion.ConfigureAwait(false);
        if (span is not null)
            Telemetry.PresenceActivities.Stop(span, result.StatusCode);
        if (result.StatusCode >= 300)
        {
            Interlocked.Increment(ref _failed);
            PresenceLog.NotifyFailed(logger, aor, notify.WatcherUri, result.StatusCode);
        }
        // Only the answers that end a subscription concern the grain (RFC 6665 §4.2.2); a 200 needs no turn.
        if (result.StatusCode is 481 or 408 or 503)
            Report(aor, notify, result.StatusCode);
    }

    private void Report(string aor, NotifyMessage notify, int status)
    {
        if (notify.Terminal)
            return;
        try
        {
            // One-way: the grain may be anywhere in the cluster, and nothing here waits for it.
            _ = grains.GetGrain<IPresentityGrain>(aor).NotifyFailed(notify.SubscriptionId, status);
        }
        catch (Exception ex)
        {
            PresenceLog.NotifyResultLost(logger, ex, aor);
        }
    }

    /// <summary>
    /// Where the NOTIFY goes: the first Route when the watcher's dialog has a route set (a proxy such as Kamailio in the
    /// path), otherwise back on the flow the SUBSCRIBE came on (which reaches clients behind NAT and reuses their TCP/TLS
    /// connection), otherwise the remote target's own address.
    /// </summary>
    private static bool TryDestination(NotifyMessage notify, out SipDestination destination)
    {
        if (notify.RouteSet.Length > 0 && NameAddress.TryParse(notify.RouteSet[0], out var route, out _) && TryAddress(route!.Uri, out destination))
            return true;
        if (FlowToken.TryParse(notify.Flow, out destination))
            return true;
        return SipUri.TryParse(notify.RemoteTarget, out var target, out _) && TryAddress(target!, out destination);
    }

    private static bool TryAddress(SipUri uri, out SipDestination destination)
    {
        destination = default;
        if (!uri.IsSip || !IPAddress.TryParse(uri.Host, out var address))
            return false;
        var transport = uri.Scheme == UriScheme.Sips ? SipTransportKind.Tls
            : SipTransportNames.TryParse(uri.Parameters["transport"], out var t) ? t : SipTransportKind.Udp;
        int port = uri.Port ?? (transport == SipTransportKind.Tls ? 5061 : 5060);
        destination = new SipDestination(transport, new IPEndPoint(address, port));
        return true;
    }

    /// <summary>The NOTIFYs of one dialog queued while its SUBSCRIBE's response is on its way.</summary>
    private sealed class DialogHold(NotifySender sender, (string, string) key) : IDisposable
    {
        private readonly List<(string Aor, NotifyMessage Notify, long TurnAt)> _queued = [];
        private bool _released;

        public (string CallId, string WatcherTag) Key { get; } = key;

        public bool TryQueue(string aor, NotifyMessage notify, long turnAt)
        {
            lock (_queued)
            {
                if (_released)
                    return false;
                _queued.Add((aor, notify, turnAt));
                return true;
            }
        }

        public void Dispose()
        {
            List<(string, NotifyMessage, long)> queued;
            lock (_queued)
            {
                if (_released)
                    return;
                _released = true;
                queued = [.. _queued];
            }
            sender._holds.TryRemove(new KeyValuePair<(string, string), DialogHold>(Key, this));
            foreach (var (aor, notify, turnAt) in queued)
                sender.SendNow(aor, notify, turnAt);
        }
    }
}
