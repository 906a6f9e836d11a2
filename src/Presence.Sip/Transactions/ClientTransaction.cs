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
/// are absorbed for T4 after the final one (timer K). The server sends its NOTIFYs with it.
/// </summary>
public sealed class NonInviteClientTransaction
{
    private readonly object _gate = new();
    private readonly SipTransactionLayer _layer;
    private readonly byte[] _request;
    private readonly TaskCompletionSource<ClientTransactionResult> _result =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _timerE;
    private ITimer? _timerF;
    private ITimer? _timerK;
    private TimeSpan _intervalE;
    private bool _proceeding;
    private bool _done;

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
        lock (_gate)
        {
            _timerF = _layer.StartTimer(_ => OnTimerF(), _layer.Timers.TransactionTimeout);
            if (!Destination.IsReliable)
            {
                _intervalE = _layer.Timers.T1;
                _timerE = _layer.StartTimer(_ => OnTimerE(), _intervalE);
            }
        }
        if (!await _layer.SendAsync(Destination, _request).ConfigureAwait(false))
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

    private void OnTimerE()
    {
        lock (_gate)
        {
            if (_done)
                return;
            // Trying: double up to T2. Proceeding: every T2 (RFC 3261 §17.1.2.2).
            _intervalE = _proceeding ? _layer.Timers.T2
                : _intervalE * 2 < _layer.Timers.T2 ? _intervalE * 2 : _layer.Timers.T2;
            _timerE?.Change(_intervalE, Timeout.InfiniteTimeSpan);
        }
        _layer.CountRetransmission();
        _ = _layer.SendAsync(Destination, _request);
    }

    private void OnTimerF() => Finish(new ClientTransactionResult(ClientTransactionOutcome.Timeout, null), linger: false);

    private void Finish(ClientTransactionResult result, bool linger)
    {
        lock (_gate)
        {
            if (_done)
                return;
            _done = true;
            _timerE?.Dispose();
            _timerF?.Dispose();
            // Timer K: stay to absorb retransmitted responses for T4 on UDP; end at once otherwise.
            if (linger && !Destination.IsReliable)
                _timerK = _layer.StartTimer(_ => { _timerK?.Dispose(); _layer.Remove(this); }, _layer.Timers.T4);
            else
                _layer.Remove(this);
        }
        _result.TrySetResult(result);
    }
}
