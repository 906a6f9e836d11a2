using Presence.Sip.Message;
using Presence.Sip.Transport;

namespace Presence.Sip.Transactions;

public enum ClientTransactionOutcome : byte
{
    /// <summary>A final response arrived; see <see cref="ClientTransactionResult.Response"/>.</summary>
    Response,
    /// <summary>Timer F fired: no final response within 64*T1 (treated as 408, RFC 3261 §8.1.3.1).</summary>
    Timeout,
    /// <summary>The transport could not send the request (RFC 3261 §8.1.3.1: treated as 503).</summary>
    TransportError,
}

public readonly record struct ClientTransactionResult(ClientTransactionOutcome Outcome, SipMessage? Response)
{
    /// <summary>The status the transaction user sees: the response's, 408 for a timeout, 503 for a transport error.</summary>
    public int StatusCode => Outcome switch
    {
        ClientTransactionOutcome.Response => Response!.StatusCode,
        ClientTransactionOutcome.Timeout => 408,
        _ => 503,
    };
}

/// <summary>
/// The non-INVITE client transaction of RFC 3261 §17.1.2 (Figure 6): the request is retransmitted on UDP
/// (timer E, doubling up to T2), the transaction gives up after 64*T1 (timer F), and response retransmissions
/// are absorbed for T4 after the final one (timer K). The server sends its NOTIFYs with it, thousands a second,
/// so the three timers are one timer object re-armed for whichever is due next, and the request's bytes are let
/// go as soon as the final response is in (only timer K's wait follows, which needs no request).
/// </summary>
public sealed class NonInviteClientTransaction
{
    private readonly object _gate = new();
    private readonly SipTransactionLayer _layer;
    private readonly TaskCompletionSource<ClientTransactionResult> _result =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[]? _request;
    private ITimer? _timer;
    // Time since the start when the armed timer fires, and the retransmission interval (timer E) in use.
    private TimeSpan _firesAt;
    private TimeSpan _intervalE;
    private TimeSpan _nextE;
    private bool _proceeding;
    private bool _done;
    private bool _lingering;

    internal NonInviteClientTransaction(SipTransactionLayer layer, string key, SipDestination destination, byte[] request)
    {
        _layer = layer;
        Key = key;
        Destination = destination;
        _request = request;
    }

    public SipDestination Destination { get; }

    /// <summary>Completes with the final response, a timeout or a transport error; never faults.</summary>
    public Task<ClientTransactionResult> Completion => _result.Task;

    internal string Key { get; }

    internal async Task StartAsync()
    {
        byte[] request;
        lock (_gate)
        {
            request = _request!;
            TimeSpan timeout = _layer.Timers.TransactionTimeout;
            if (Destination.IsReliable)
            {
                _nextE = TimeSpan.MaxValue;
            }
            else
            {
                _intervalE = _layer.Timers.T1;
                _nextE = _intervalE;
            }
            _firesAt = _nextE < timeout ? _nextE : timeout;
            _timer = _layer.StartTimer(_ => OnTimer(), _firesAt);
        }
        if (!await _layer.SendAsync(Destination, request).ConfigureAwait(false))
            Finish(new ClientTransactionResult(ClientTransactionOutcome.TransportError, null), linger: false);
    }

    internal void OnResponse(SipMessage response)
    {
        if (response.StatusCode < 200)
        {
            lock (_gate)
            {
                if (_done)
                    return;
                _proceeding = true;
            }
            return;
        }
        Finish(new ClientTransactionResult(ClientTransactionOutcome.Response, response), linger: true);
    }

    private void OnTimer()
    {
        byte[]? resend = null;
        bool timedOut = false;
        lock (_gate)
        {
            if (_lingering)
            {
                // Timer K: the wait for response retransmissions is over.
                _lingering = false;
                _timer?.Dispose();
                _layer.Remove(this);
                return;
            }
            if (_done)
                return;
            TimeSpan now = _firesAt, timeout = _layer.Timers.TransactionTimeout;
            if (now >= timeout)
            {
                timedOut = true;
            }
            else
            {
                if (now >= _nextE)
                {
                    // Timer E. Trying: double up to T2. Proceeding: every T2 (RFC 3261 §17.1.2.2).
                    resend = _request;
                    _intervalE = _proceeding ? _layer.Timers.T2
                        : _intervalE * 2 < _layer.Timers.T2 ? _intervalE * 2 : _layer.Timers.T2;
                    _nextE = now + _intervalE;
                }
                _firesAt = _nextE < timeout ? _nextE : timeout;
                _timer?.Change(_firesAt - now, Timeout.InfiniteTimeSpan);
            }
        }
        if (timedOut)
        {
            // Timer F (RFC 3261 §8.1.3.1: treated as 408).
            Finish(new ClientTransactionResult(ClientTransactionOutcome.Timeout, null), linger: false);
            return;
        }
        if (resend is not null)
        {
            _layer.CountRetransmission();
            _ = _layer.SendAsync(Destination, resend);
        }
    }

    private void Finish(ClientTransactionResult result, bool linger)
    {
        lock (_gate)
        {
            if (_done)
                return;
            _done = true;
            _request = null;
            // Timer K: stay to absorb retransmitted responses for T4 on UDP; end at once otherwise.
            if (linger && !Destination.IsReliable && _timer is not null)
            {
                _lingering = true;
                _timer.Change(_layer.Timers.T4, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _timer?.Dispose();
                _layer.Remove(this);
            }
        }
        _result.TrySetResult(result);
    }
}
