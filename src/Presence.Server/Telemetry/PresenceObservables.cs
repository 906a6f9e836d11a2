using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Presence.Grains.Storage;
using Presence.Grains.Users;
using Presence.Server.Cluster;
using Presence.Server.Notify;
using Presence.Server.Sip;
using Presence.Sip.Transport;
using A = Presence.Server.Telemetry.PresenceTelemetry.Attributes;

namespace Presence.Server.Telemetry;

/// <summary>
/// Observable instruments over the counters the SIP stack, the grains, the store and Orleans' membership keep anyway.
/// Their callbacks run only when a reader collects (a /metrics scrape, an OTLP export). A part this process does not
/// run (the grains on an edge, SIP on a silo) reports nothing. Orleans' own instruments (meter "Microsoft.Orleans")
/// are exported beside these.
/// </summary>
internal sealed class PresenceObservables(IServiceProvider services)
{
    private static readonly string[] ClassNames = ["1xx", "2xx", "3xx", "4xx", "5xx", "6xx"];

    public static void Register(Meter meter, IServiceProvider services)
    {
        var o = new PresenceObservables(services);

        meter.CreateObservableCounter("sip.server.responses", o.Responses, "{response}",
            "Responses this process sent as a SIP server (first sendings, stateless answers included), by status class.");
        meter.CreateObservableCounter("sip.server.parse_errors", o.ParseErrors, "{message}",
            "Malformed messages: requests answered (400/505/513) when their top Via can carry the answer, the rest dropped.");
        meter.CreateObservableCounter("sip.server.rate_limited", o.RateLimited, "{message}",
            "Messages from sources over their rate: refused (503 with Retry-After) or dropped unparsed.");
        meter.CreateObservableCounter("sip.server.retransmissions", () => One(o.Layer()?.Counters.RetransmissionsAbsorbed), "{request}",
            "Retransmitted requests a server transaction absorbed (a lost response, or a slow one).");
        meter.CreateObservableUpDownCounter("sip.server.transactions", o.Transactions, "{transaction}",
            "SIP transactions in memory, server and client side (NOTIFYs are client transactions).");
        meter.CreateObservableUpDownCounter("sip.server.connections", o.Connections, "{connection}",
            "Open TCP and TLS connections.");
        meter.CreateObservableCounter("sip.server.connections.refused", () => o.Refused(), "{connection}",
            "Connections closed at once because their address held Sip:MaxConnectionsPerAddress already.");
        meter.CreateObservableCounter("sip.server.header_timeouts", () => o.SumStreams(s => s.HeaderTimeouts), "{connection}",
            "Connections closed because a header section did not arrive within Sip:HeaderTimeout (slowloris).");

        meter.CreateObservableCounter("presence.notify.sent", () => One(o.Get<NotifySender>()?.Sent), "{notify}",
            "NOTIFYs handed to the transport, each in its own client transaction.");
        meter.CreateObservableCounter("presence.notify.failed", () => One(o.Get<NotifySender>()?.Failed), "{notify}",
            "NOTIFYs whose final response was 300 or above, or that timed out (408).");
        meter.CreateObservableUpDownCounter("presence.users.active", () => One(o.Tally()?.Users), "{user}",
            "Users whose grain is in memory on this silo (it leaves after Presence:IdleTimeout without a call).");
        meter.CreateObservableUpDownCounter("presence.subscriptions", () => One(o.Tally()?.Subscriptions), "{subscription}",
            "Subscriptions (presence and presence.winfo, active or pending) held by the users in memory.");
        meter.CreateObservableUpDownCounter("presence.registrations", () => One(o.Tally()?.Bindings), "{contact}",
            "Registered contacts (bindings) of the users in memory.");

        meter.CreateObservableCounter("presence.store.writes", () => One(o.Get<GroupCommitter>()?.WritesCommitted), "{write}",
            "Writes that went through a committed transaction (conflicts included).");
        meter.CreateObservableCounter("presence.store.write_conflicts", () => One(o.Get<GroupCommitter>()?.Conflicts), "{write}",
            "Writes refused because the user's stored version had moved on (a second owner caught); the grain re-reads.");
        meter.CreateObservableCounter("presence.store.failed_batches", () => One(o.Get<GroupCommitter>()?.BatchesFailed), "{batch}",
            "Group-commit transactions the store failed; every request in them was answered 500.");

        meter.CreateObservableGauge("presence.cluster.silos", o.Silos, "{silo}",
            "Active members of the cluster as Orleans' membership lists them here, by role (both, silo, edge).");
    }

    private static IEnumerable<Measurement<long>> None => [];

    // One measurement without attributes, or none when the part that counts it is not in this process.
    private static IEnumerable<Measurement<long>> One(long? value) => value is { } v ? [new Measurement<long>(v)] : None;

    // Resolved on each collection (a dictionary lookup): services may not exist yet at the first one, and a
    // collection during shutdown finds the container gone, which is nothing to report.
    private T? Get<T>() where T : class
    {
        try
        {
            return services.GetService<T>();
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    private global::Presence.Sip.Transactions.SipTransactionLayer? Layer() => Get<SipEndpointService>()?.Transactions;

    // Only where users live: the tally is registered with the grains.
    private PresenceTally? Tally() => Get<PresenceTally>();

    private IReadOnlyList<StreamSipTransport> Streams()
    {
        try
        {
            return Get<SipEndpointService>()?.Transports.Streams ?? [];
        }
        catch (InvalidOperationException)
        {
            // Not started, or stopped.
            return [];
        }
    }

    // TCP and TLS connections and WebSockets refused for their address's cap, together.
    private IEnumerable<Measurement<long>> Refused()
    {
        var streams = Streams();
        var webSockets = WebSockets();
        return streams.Count == 0 && webSockets.Count == 0 ? None
            : [new Measurement<long>(streams.Sum(s => s.RefusedConnections) + webSockets.Sum(w => w.RefusedConnections))];
    }

    private IReadOnlyList<WebSocketSipTransport> WebSockets()
    {
        try
        {
            return Get<SipEndpointService>()?.Transports.WebSockets ?? [];
        }
        catch (InvalidOperationException)
        {
            return [];
        }
    }

    private IEnumerable<Measurement<long>> SumStreams(Func<StreamSipTransport, long> read)
    {
        var streams = Streams();
        return streams.Count == 0 ? None : [new Measurement<long>(streams.Sum(read))];
    }

    private IEnumerable<Measurement<long>> Responses()
    {
        if (Layer() is not { } layer)
            yield break;
        for (int c = 1; c <= 6; c++)
            yield return new Measurement<long>(layer.Counters.ResponsesSent(c), new KeyValuePair<string, object?>(A.StatusClass, ClassNames[c - 1]));
    }

    private IEnumerable<Measurement<long>> ParseErrors()
    {
        if (Layer() is not { } layer)
            yield break;
        yield return new Measurement<long>(layer.Counters.BadRequestsAnswered, new KeyValuePair<string, object?>(A.ParseErrorOutcome, "answered"));
        yield return new Measurement<long>(layer.Counters.MalformedDropped, new KeyValuePair<string, object?>(A.ParseErrorOutcome, "dropped"));
    }

    private IEnumerable<Measurement<long>> RateLimited()
    {
        if (Get<SipEndpointService>()?.RateLimiter is not { } limiter)
            yield break;
        yield return new Measurement<long>(limiter.Refused, new KeyValuePair<string, object?>(A.RateLimitAction, "refused"));
        yield return new Measurement<long>(limiter.Dropped, new KeyValuePair<string, object?>(A.RateLimitAction, "dropped"));
    }

    private IEnumerable<Measurement<long>> Transactions()
    {
        if (Layer() is not { } layer)
            yield break;
        yield return new Measurement<long>(layer.ServerTransactionCount, new KeyValuePair<string, object?>(A.TransactionSide, "server"));
        yield return new Measurement<long>(layer.ClientTransactionCount, new KeyValuePair<string, object?>(A.TransactionSide, "client"));
    }

    private IEnumerable<Measurement<long>> Connections()
    {
        foreach (var group in Streams().GroupBy(s => s.Kind))
        {
            yield return new Measurement<long>(
                group.Sum(s => s.ConnectionCount), new KeyValuePair<string, object?>(A.Transport, group.Key == SipTransportKind.Tls ? "tls" : "tcp"));
        }
        // SIP over WebSocket: its open WebSockets, "ws" or "wss".
        foreach (WebSocketSipTransport ws in WebSockets())
            yield return new Measurement<long>(ws.ConnectionCount, new KeyValuePair<string, object?>(A.Transport, ws.Kind.ToViaToken().ToLowerInvariant()));
    }

    private IEnumerable<Measurement<long>> Silos()
    {
        if (Get<ClusterMembers>() is not { Clustered: true } members)
            yield break;
        foreach (var group in members.Active().GroupBy(m => m.Role?.ToString().ToLowerInvariant() ?? "unknown"))
            yield return new Measurement<long>(group.Count(), new KeyValuePair<string, object?>(A.Role, group.Key));
    }
}
