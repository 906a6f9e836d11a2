using System.Collections.Concurrent;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Presence.Sip.Transport;

namespace Presence.Sip.Transactions;

/// <summary>Counters the transaction layer keeps; read by telemetry.</summary>
public sealed class SipTransactionCounters
{
    internal long _parseErrors, _badRequestsAnswered, _malformedDropped, _dropped, _retransmissionsAbsorbed, _requestRetransmissionsSent, _strayResponses, _refusedOverRate;

    // Responses sent as a UAS, first sendings only, by status class: [1] is 1xx ... [6] is 6xx.
    private readonly long[] _responsesSent = new long[7];

    /// <summary>Responses this side sent as a server (transactions and stateless answers; not retransmissions), of one class (1 to 6).</summary>
    public long ResponsesSent(int statusClass) =>
        statusClass is >= 1 and <= 6 ? Interlocked.Read(ref _responsesSent[statusClass]) : 0;

    internal void CountResponse(int statusCode)
    {
        int statusClass = statusCode / 100;
        if (statusClass is >= 1 and <= 6)
            Interlocked.Increment(ref _responsesSent[statusClass]);
    }

    /// <summary>Messages that failed to parse.</summary>
    public long ParseErrors => Interlocked.Read(ref _parseErrors);

    /// <summary>Malformed requests answered with 400/505/513.</summary>
    public long BadRequestsAnswered => Interlocked.Read(ref _badRequestsAnswered);

    /// <summary>Malformed messages dropped: responses, ACKs, and requests without a top Via that could carry an answer.</summary>
    public long MalformedDropped => Interlocked.Read(ref _malformedDropped);

    /// <summary>Requests answered 503 because their source was over its rate (the transport's <see cref="SourceRateLimiter"/>).</summary>
    public long RefusedOverRate => Interlocked.Read(ref _refusedOverRate);

    /// <summary>Malformed or over-rate messages dropped because no response could be addressed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Retransmitted requests absorbed by a server transaction.</summary>
    public long RetransmissionsAbsorbed => Interlocked.Read(ref _retransmissionsAbsorbed);

    /// <summary>Requests this side retransmitted (timer E).</summary>
    public long RequestRetransmissionsSent => Interlocked.Read(ref _requestRetransmissionsSent);

    /// <summary>Responses that matched no client transaction.</summary>
    public long StrayResponses => Interlocked.Read(ref _strayResponses);
}

/// <summary>
/// The transaction layer (RFC 3261 §17): matches what transports receive to server and client transactions,
/// hands new requests to the transaction user, answers unparseable requests with the parser's reason, and
/// drops what cannot be answered.
/// </summary>
public sealed class SipTransactionLayer
{
    private readonly ConcurrentDictionary<string, ServerTransaction> _server = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, NonInviteClientTransaction> _client = new(StringComparer.Ordinal);
    private readonly ISipSender _sender;
    private readonly TimeProvider _time;
    private readonly Func<ServerTransaction, ValueTask> _onRequest;
    private readonly Func<InboundMessage, ValueTask>? _onStray;

    /// <param name="sender">The transports.</param>
    /// <param name="onRequest">Called once for each new request (not for retransmissions, nor for an ACK of a non-2xx).</param>
    /// <param name="onStray">Called for an ACK to a 2xx and for responses that match no transaction (the transaction user's to handle).</param>
    public SipTransactionLayer(
        ISipSender sender, Func<ServerTransaction, ValueTask> onRequest, Func<InboundMessage, ValueTask>? onStray = null,
        SipTimerSettings? timers = null, TimeProvider? time = null)
    {
        _sender = sender;
        _onRequest = onRequest;
        _onStray = onStray;
        Timers = timers ?? SipTimerSettings.Default;
        Timers.Validate();
        _time = time ?? TimeProvider.System;
    }

    public SipTimerSettings Timers { get; }

    public SipTransactionCounters Counters { get; } = new();

    public int ServerTransactionCount => _server.Count;

    public int ClientTransactionCount => _client.Count;

    /// <summary>Everything a transport receives goes through here.</summary>
    public ValueTask ReceiveAsync(InboundMessage inbound)
    {
        SipMessage? message = inbound.Message;
        if (inbound.RefusedRetryAfter > 0)
            return RefuseAsync(inbound);
        if (inbound.Error.IsError)
        {
            Interlocked.Increment(ref Counters._parseErrors);
            return AnswerMalformedAsync(inbound, inbound.Error);
        }
        if (message is null)
            return ValueTask.CompletedTask;
        if (message.IsResponse)
            return ReceiveResponseAsync(inbound, message);
        if (message.TopVia is null)
        {
            // The parser saw a Via but it does not parse (RFC 4475 §3.1.2.1, badinv01): 400, sent where its sent-by says.
            Interlocked.Increment(ref Counters._parseErrors);
            return AnswerMalformedAsync(inbound, new SipParseError(400, "Malformed Via Header"));
        }
        return ReceiveRequestAsync(inbound, message);
    }

    /// <summary>
    /// Sends a non-INVITE request in a new client transaction. The request's top Via must carry the branch
    /// from <see cref="NewBranch"/> (the caller builds the Via because only it knows its own sent-by).
    /// </summary>
    public NonInviteClientTransaction SendRequest(SipDestination destination, SipMessageBuilder request, string branch)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.IsRequest || request.Method is SipMethods.Invite or SipMethods.Ack)
            throw new ArgumentException("Only non-INVITE requests have a non-INVITE client transaction.", nameof(request));
        string key = TransactionKey.ForClient(branch, request.Method!);
        var transaction = new NonInviteClientTransaction(this, key, destination, request.ToArray());
        if (!_client.TryAdd(key, transaction))
            throw new InvalidOperationException("A client transaction with this branch exists already.");
        _ = transaction.StartAsync();
        return transaction;
    }

    /// <summary>A fresh branch with the RFC 3261 magic cookie.</summary>
    public static string NewBranch() => TransactionKey.NewBranch();

    /// <summary>Sends a message outside any transaction (a stateless proxy's forwarding, an ACK).</summary>
    public ValueTask<bool> SendStatelessAsync(SipDestination destination, ReadOnlyMemory<byte> bytes) => SendAsync(destination, bytes);

    internal async ValueTask<bool> SendAsync(SipDestination destination, ReadOnlyMemory<byte> bytes)
    {
        try
        {
            return await _sender.SendAsync(destination, bytes).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }

    internal ITimer StartTimer(TimerCallback callback, TimeSpan due) =>
        _time.CreateTimer(callback, null, due, Timeout.InfiniteTimeSpan);

    internal void Remove(ServerTransaction transaction) => _server.TryRemove(new(transaction.Key, transaction));

    internal void Remove(NonInviteClientTransaction transaction) => _client.TryRemove(new(transaction.Key, transaction));

    internal void CountRetransmission() => Interlocked.Increment(ref Counters._requestRetransmissionsSent);

    private async ValueTask ReceiveRequestAsync(InboundMessage inbound, SipMessage request)
    {
        string? key = TransactionKey.ForServer(request);
        if (key is null)
        {
            Interlocked.Increment(ref Counters._dropped);
            return;
        }
        if (request.Method == SipMethods.Ack)
        {
            // An ACK for a non-2xx final response belongs to the INVITE transaction (RFC 3261 §17.2.1);
            // retransmitted ACKs are absorbed in Confirmed; an ACK for a 2xx is a request of its own for the
            // transaction user (§13.2.2.4).
            if (_server.TryGetValue(key, out var invite) && invite.State is ServerTransactionState.Completed or ServerTransactionState.Confirmed)
                invite.OnAck(inbound);
            else if (_onStray is not null)
                await _onStray(inbound).ConfigureAwait(false);
            return;
        }
        if (_server.TryGetValue(key, out var existing))
        {
            Interlocked.Increment(ref Counters._retransmissionsAbsorbed);
            existing.OnRetransmission(inbound);
            return;
        }
        ServerTransaction transaction = request.Method == SipMethods.Invite
            ? new InviteServerTransaction(this, key, inbound)
            : new NonInviteServerTransaction(this, key, inbound);
        if (!_server.TryAdd(key, transaction))
        {
            // Two copies raced; the other one owns the request.
            Interlocked.Increment(ref Counters._retransmissionsAbsorbed);
            return;
        }
        await _onRequest(transaction).ConfigureAwait(false);
    }

    private async ValueTask ReceiveResponseAsync(InboundMessage inbound, SipMessage response)
    {
        string? key = TransactionKey.ForClientResponse(response);
        if (key is not null && _client.TryGetValue(key, out var transaction))
        {
            transaction.OnResponse(response);
            return;
        }
        Interlocked.Increment(ref Counters._strayResponses);
        if (_onStray is not null)
            await _onStray(inbound).ConfigureAwait(false);
    }

    /// <summary>
    /// RFC 3261 §8.2, §18.3, §21.4: a malformed request gets 400 (505 for another SIP version, 513 when too large) with
    /// the reason as the reason phrase whenever its top Via can carry the answer, even one whose Call-ID, From, To or
    /// CSeq is missing or broken: the answer copies what the request has (RFC 4475 §3.3.1, insuf). A response, an ACK,
    /// or a request without a usable Via is dropped, and counted.
    /// </summary>
    private ValueTask AnswerMalformedAsync(InboundMessage inbound, SipParseError error)
    {
        if (!IsAddressableRequest(inbound, out SipMessage? message, out ViaHeader? via))
        {
            Interlocked.Increment(ref Counters._malformedDropped);
            Interlocked.Increment(ref Counters._dropped);
            return ValueTask.CompletedTask;
        }
        Interlocked.Increment(ref Counters._badRequestsAnswered);
        // Answered statelessly: a retransmission of a malformed request is just as malformed and gets the same answer.
        return AnswerStatelessAsync(inbound, SipMessageBuilder.ResponseTo(
            message, error.StatusCode, error.Reason, ResponseRouting.NewTag(), ResponseRouting.ResponseVia(inbound.Source, via)), via);
    }

    /// <summary>
    /// The source is over its rate (<see cref="SourceRateLimiter"/>): a request that can be addressed gets 503 with
    /// Retry-After (RFC 3261 §21.5.4), statelessly and without a transaction, so a refusal costs no memory; anything
    /// else, an ACK and every response included, is dropped. Even a malformed request gets the 503 rather than its
    /// 400: the point is to spend as little as possible on this source.
    /// </summary>
    private ValueTask RefuseAsync(InboundMessage inbound)
    {
        if (!IsAddressableRequest(inbound, out SipMessage? message, out ViaHeader? via))
        {
            Interlocked.Increment(ref Counters._dropped);
            return ValueTask.CompletedTask;
        }
        Interlocked.Increment(ref Counters._refusedOverRate);
        var response = SipMessageBuilder.ResponseTo(message, 503, "Rate Limit Exceeded", ResponseRouting.NewTag(), ResponseRouting.ResponseVia(inbound.Source, via))
            .Add(HeaderId.RetryAfter, inbound.RefusedRetryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return AnswerStatelessAsync(inbound, response, via);
    }

    // RFC 3261 §18.2.2: a response goes where the request's top Via says, so a request without one that can be read at
    // least for its sent-by cannot be answered; an ACK never is (§17.2.1).
    private static bool IsAddressableRequest(
        InboundMessage inbound, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SipMessage? message,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ViaHeader? via)
    {
        message = inbound.Message;
        via = message?.TopViaForAnswer;
        return message is not null && !message.IsResponse && message.Method != SipMethods.Ack && via is not null;
    }

    private ValueTask AnswerStatelessAsync(InboundMessage inbound, SipMessageBuilder response, ViaHeader via)
    {
        Counters.CountResponse(response.StatusCode);
        return IgnoreResult(SendAsync(ResponseRouting.Destination(inbound.Source, via), response.ToArray()));
    }

    private static async ValueTask IgnoreResult(ValueTask<bool> send) => await send.ConfigureAwait(false);
}
