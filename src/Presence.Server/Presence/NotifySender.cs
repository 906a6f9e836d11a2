using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Presence.Core.Presentity;
using Presence.Server.Sip;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Presence.Sip.Transactions;
using Presence.Sip.Transport;

namespace Presence.Server.Presence;

/// <summary>
/// Turns a <see cref="NotifyEffect"/> into a NOTIFY in the subscription's dialog (RFC 6665 §4.2.2, RFC 3261 §12.2.1.1)
/// and sends it in a client transaction; the outcome goes back to the user's grain.
/// </summary>
public sealed class NotifySender(
    IServiceProvider services, LocalIdentity identity, ILogger<NotifySender> logger, Telemetry.PresenceMetrics? metrics = null)
{
    // Resolved on first use: the endpoint's dispatcher reaches the grains, whose NOTIFYs come back here.
    private SipEndpointService? _endpoint;

    private long _sent, _failed;

    /// <summary>Called with (aor, subscription id, final status) when a NOTIFY has its answer.</summary>
    public Func<string, string, int, Task>? OnResult { get; set; }

    public long Sent => Interlocked.Read(ref _sent);

    public long Failed => Interlocked.Read(ref _failed);

    /// <param name="turnAt">When the turn that caused it ran (<see cref="Stopwatch.GetTimestamp"/>), for the delay histogram; 0: not measured.</param>
    /// <param name="turn">That turn's span, the parent of the NOTIFY's.</param>
    public void Send(string aor, NotifyEffect notify, long turnAt = 0, ActivityContext turn = default)
    {
        _endpoint ??= (SipEndpointService)services.GetService(typeof(SipEndpointService))!;
        var layer = _endpoint.Transactions;
        var span = Telemetry.PresenceActivities.StartNotify(turn, notify.Subscription.Package);
        if (layer is null || !TryDestination(notify, out var destination))
        {
            PresenceLog.NotifyUnroutable(logger, aor, notify.Subscription.RemoteTarget);
            if (span is not null)
                Telemetry.PresenceActivities.Stop(span, 0);
            Report(aor, notify, 503);
            return;
        }
        string branch = SipTransactionLayer.NewBranch();
        var s = notify.Subscription;
        var request = SipMessageBuilder.Request(SipMethods.Notify, s.RemoteTarget)
            .Add(HeaderId.Via, $"SIP/2.0/{destination.Transport.ToViaToken()} {identity.SentBy(destination.Transport)};branch={branch};rport")
            .Add(HeaderId.MaxForwards, "70");
        foreach (string route in s.RouteSet)
            request.Add(HeaderId.Route, route);
        request
            .Add(HeaderId.From, $"<{aor}>;tag={s.NotifierTag}")
            .Add(HeaderId.To, $"<{s.WatcherUri}>;tag={s.WatcherTag}")
            .Add(HeaderId.CallId, s.CallId)
            .Add(HeaderId.CSeq, notify.CSeq.ToString(CultureInfo.InvariantCulture) + " NOTIFY")
            .Add(HeaderId.Event, s.EventId is null ? s.Package : s.Package + ";id=" + s.EventId)
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

    private async Task AwaitResultAsync(string aor, NotifyEffect notify, NonInviteClientTransaction transaction, Activity? span)
    {
        var result = await transaction.Completion.ConfigureAwait(false);
        if (span is not null)
            Telemetry.PresenceActivities.Stop(span, result.StatusCode);
        if (result.StatusCode >= 300)
        {
            Interlocked.Increment(ref _failed);
            PresenceLog.NotifyFailed(logger, aor, notify.Subscription.WatcherUri, result.StatusCode);
        }
        // Only the answers that end a subscription concern the grain (RFC 6665 §4.2.2); a 200 needs no turn.
        if (result.StatusCode is 481 or 408 or 503)
            Report(aor, notify, result.StatusCode);
    }

    private void Report(string aor, NotifyEffect notify, int status)
    {
        if (OnResult is { } handler && !notify.Terminal)
            _ = handler(aor, notify.Subscription.Id, status);
    }

    /// <summary>
    /// Where the NOTIFY goes: the first Route when the watcher's dialog has a route set (a proxy or edge in the
    /// path), otherwise back on the flow the SUBSCRIBE came on (which reaches clients behind NAT and reuses their
    /// TCP/TLS connection), otherwise the remote target's own address.
    /// </summary>
    private static bool TryDestination(NotifyEffect notify, out SipDestination destination)
    {
        var s = notify.Subscription;
        if (s.RouteSet.Count > 0 && NameAddress.TryParse(s.RouteSet[0], out var route, out _) && TryAddress(route!.Uri, out destination))
            return true;
        if (FlowToken.TryParse(s.Flow, out destination))
            return true;
        return SipUri.TryParse(s.RemoteTarget, out var target, out _) && TryAddress(target!, out destination);
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
}
