using System.Net;
using Presence.Sip.Headers;
using Presence.Sip.Message;
using Presence.Sip.Transport;

namespace Presence.Sip.Transactions;

public enum ServerTransactionState : byte
{
    Trying,
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
    Terminated,
}

/// <summary>
/// A server transaction (RFC 3261 §17.2): it owns the request, absorbs its retransmissions and repeats the
/// last response for them, so the transaction user answers each request exactly once.
/// </summary>
public abstract class ServerTransaction
{
    private readonly object _gate = new();
    private string? _toTag;

    private protected ServerTransaction(SipTransactionLayer layer, string key, InboundMessage inbound)
    {
        Layer = layer;
        Key = key;
        Inbound = inbound;
        Request = inbound.Message!;
        ViaHeader via = Request.TopVia!;
        ResponseVia = ResponseRouting.ResponseVia(inbound.Source, via);
        ResponseDestination = ResponseRouting.Destination(inbound.Source, via);
    }

    public SipMessage Request { get; }

    public InboundMessage Inbound { get; }

    public SipDestination Source => Inbound.Source;

    public ServerTransactionState State { get; private protected set; }

    /// <summary>The status of the final response sent, 0 until there is one.</summary>
    public int FinalStatusCode { get; private set; }

    /// <summary>Where responses go (RFC 3261 §18.2.2 with RFC 3581): the flow for streams, the source address for UDP.</summary>
    public SipDestination ResponseDestination { get; }

    /// <summary>The top Via as it is returned in responses, received and rport filled in.</summary>
    public ViaHeader ResponseVia { get; }

    /// <summary>The To tag this server uses in its responses when the request had none (RFC 3261 §8.2.6.2).</summary>
    public string ToTag
    {
        get => _toTag ??= ResponseRouting.NewTag();
        set => _toTag = value;
    }

    internal string Key { get; }

    private protected SipTransactionLayer Layer { get; }

    private protected object Gate => _gate;

    private protected byte[]? LastResponse { get; set; }

    /// <summary>A response to this request with the headers RFC 3261 §8.2.6.2 requires already in place.</summary>
    public SipMessageBuilder CreateResponse(int statusCode, string? reason = null) =>
        SipMessageBuilder.ResponseTo(Request, statusCode, reason, ToTag, ResponseVia);

    /// <summary>Sends a response; a second final response, or one after the transaction ended, is ignored.</summary>
    public ValueTask<bool> RespondAsync(SipMessageBuilder response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsRequest)
            throw new ArgumentException("A server transaction sends responses.", nameof(response));
        return RespondAsync(response.StatusCode, response.ToArray());
    }

    public ValueTask<bool> RespondAsync(int statusCode, string? reason = null) => RespondAsync(CreateResponse(statusCode, reason));

    private protected abstract ValueTask<bool> RespondAsync(int statusCode, byte[] bytes);

    internal abstract void OnRetransmission(InboundMessage retransmission);

    internal virtual void OnAck(InboundMessage ack)
    {
    }

    private protected ValueTask<bool> Send(byte[] bytes) => Layer.SendAsync(ResponseDestination, bytes);

    // A response sent for the first time (not a retransmission), counted for telemetry.
    private protected ValueTask<bool> SendFirst(int statusCode, byte[] bytes)
    {
        if (statusCode >= 200)
            FinalStatusCode = statusCode;
        Layer.Counters.CountResponse(statusCode);
        return Send(bytes);
    }

    private protected void Terminate()
    {
        State = ServerTransactionState.Terminated;
        Layer.Remove(this);
    }
}

/// <summary>The non-INVITE server transaction of RFC 3261 §17.2.2 (Figure 8).</summary>
public sealed class NonInviteServerTransaction : ServerTransaction
{
    private ITimer? _timerJ;

    internal NonInviteServerTransaction(SipTransactionLayer layer, string key, InboundMessage inbound)
        : base(layer, key, inbound)
    {
        State = ServerTransactionState.Trying;
    }

    private protected override ValueTask<bool> RespondAsync(int statusCode, byte[] bytes)
    {
        lock (Gate)
        {
            if (State is ServerTransactionState.Completed or ServerTransactionState.Terminated)
                return ValueTask.FromResult(false);
            LastResponse = bytes;
            if (statusCode < 200)
            {
                State = ServerTransactionState.Proceeding;
            }
            else
            {
                State = ServerTransactionState.Completed;
                // Timer J: keep absorbing retransmissions for 64*T1 on UDP; no wait on reliable transports.
                TimeSpan j = ResponseDestination.IsReliable ? TimeSpan.Zero : Layer.Timers.TransactionTimeout;
                _timerJ = Layer.StartTimer(_ => OnTimerJ(), j);
            }
        }
        return SendFirst(statusCode, bytes);
    }

    internal override void OnRetransmission(InboundMessage retransmission)
    {
        byte[]? resend;
        lock (Gate)
        {
            // Trying: absorbed. Proceeding and Completed: the last response goes out again.
            resend = State is ServerTransactionState.Proceeding or ServerTransactionState.Completed ? LastResponse : null;
        }
        if (resend is not null)
            _ = Send(resend);
    }

    private void OnTimerJ()
    {
        lock (Gate)
        {
            _timerJ?.Dispose();
            Terminate();
        }
    }
}

/// <summary>
/// The INVITE server transaction of RFC 3261 §17.2.1 (Figure 7) with the Accepted state of RFC 6026 §8.5:
/// 100 Trying after 200 ms, final responses retransmitted (timer G) until the ACK (timer H bounds the wait),
/// the ACK absorbed, timer I.
/// </summary>
public sealed class InviteServerTransaction : ServerTransaction
{
    private ITimer? _trying;
    private ITimer? _timerG;
    private ITimer? _timerH;
    private ITimer? _timerI;
    private TimeSpan _intervalG;

    internal InviteServerTransaction(SipTransactionLayer layer, string key, InboundMessage inbound)
        : base(layer, key, inbound)
    {
        State = ServerTransactionState.Proceeding;
        _trying = layer.StartTimer(_ => SendTryingIfSilent(), TimeSpan.FromMilliseconds(200));
    }

    /// <summary>Raised when timer H fires: the final response was never acknowledged (RFC 3261 §17.2.1).</summary>
    public event Action<InviteServerTransaction>? AckTimedOut;

    private protected override ValueTask<bool> RespondAsync(int statusCode, byte[] bytes)
    {
        lock (Gate)
        {
            if (State != ServerTransactionState.Proceeding)
                return ValueTask.FromResult(false);
            LastResponse = bytes;
            _trying?.Dispose();
            if (statusCode >= 300)
            {
                State = ServerTransactionState.Completed;
                if (!ResponseDestination.IsReliable)
                {
                    _intervalG = Layer.Timers.T1;
                    _timerG = Layer.StartTimer(_ => OnTimerG(), _intervalG);
                }
                _timerH = Layer.StartTimer(_ => OnTimerH(), Layer.Timers.TransactionTimeout);
            }
            else if (statusCode >= 200)
            {
                // RFC 6026 §8.5: Accepted; the TU retransmits its 2xx, retransmitted INVITEs are absorbed.
                State = ServerTransactionState.Accepted;
                _timerH = Layer.StartTimer(_ => End(), Layer.Timers.TransactionTimeout);
            }
        }
        return SendFirst(statusCode, bytes);
    }

    internal override void OnRetransmission(InboundMessage retransmission)
    {
        byte[]? resend;
        lock (Gate)
            resend = State is ServerTransactionState.Proceeding or ServerTransactionState.Completed ? LastResponse : null;
        if (resend is not null)
            _ = Send(resend);
    }

    internal override void OnAck(InboundMessage ack)
    {
        lock (Gate)
        {
            if (State != ServerTransactionState.Completed)
                return;
            State = ServerTransactionState.Confirmed;
            _timerG?.Dispose();
            _timerH?.Dispose();
            // Timer I: absorb further ACK retransmissions for T4 on UDP.
            _timerI = Layer.StartTimer(_ => End(), ResponseDestination.IsReliable ? TimeSpan.Zero : Layer.Timers.T4);
        }
    }

    private void SendTryingIfSilent()
    {
        byte[] trying;
        lock (Gate)
        {
            if (State != ServerTransactionState.Proceeding || LastResponse is not null)
                return;
            trying = CreateResponse(100).ToArray();
            LastResponse = trying;
        }
        _ = SendFirst(100, trying);
    }

    private void OnTimerG()
    {
        byte[]? resend;
        lock (Gate)
        {
            if (State != ServerTransactionState.Completed)
                return;
            resend = LastResponse;
            _intervalG = _intervalG * 2 < Layer.Timers.T2 ? _intervalG * 2 : Layer.Timers.T2;
            _timerG?.Change(_intervalG, Timeout.InfiniteTimeSpan);
        }
        if (resend is not null)
            _ = Send(resend);
    }

    private void OnTimerH()
    {
        bool timedOut;
        lock (Gate)
        {
            timedOut = State == ServerTransactionState.Completed;
            End();
        }
        if (timedOut)
            AckTimedOut?.Invoke(this);
    }

    private void End()
    {
        lock (Gate)
        {
            if (State == ServerTransactionState.Terminated)
                return;
            _trying?.Dispose();
            _timerG?.Dispose();
            _timerH?.Dispose();
            _timerI?.Dispose();
            Terminate();
        }
    }
}
