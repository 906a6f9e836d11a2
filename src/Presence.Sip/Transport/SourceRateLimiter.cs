using System.Collections.Concurrent;
using System.Net;

namespace Presence.Sip.Transport;

/// <summary>What happens to a message from a source that may be over its rate.</summary>
public enum SourceAdmission : byte
{
    /// <summary>Processed as usual.</summary>
    Admit,

    /// <summary>Over the rate: a request is answered 503 with Retry-After (RFC 3261 §21.5.4), nothing more.</summary>
    Refuse,

    /// <summary>Far over the rate: not even parsed.</summary>
    Drop,
}

/// <summary>
/// A token bucket per source (<see cref="SourceKey"/>), so that a flood from one address costs that address and
/// not everyone else (SPEC.md "Bad input"). Transports ask it before parsing.
/// <para>
/// Requests spend the request budget: <see cref="SourceRateLimiterOptions.RequestsPerSecond"/> on average with
/// <see cref="SourceRateLimiterOptions.Burst"/> at once. Past it, a second budget of the same size pays for 503
/// answers; past that too (a source sending more than twice its rate) messages are dropped unparsed: a flood does
/// not read 503s, answering each one would double our work, and a spoofed source would turn us into a reflector.
/// </para>
/// <para>
/// Responses (to our NOTIFYs) have a budget of their own, as large, and are never refused (responses are not
/// answered, RFC 3261 §17.1). So a client that sends too many requests still gets its NOTIFYs' answers through
/// and keeps its subscriptions: a lost 2xx would make our client transaction time out and end the subscription
/// (RFC 6665 §4.2.2). Responses only need a limit at all because anyone can send bytes that start "SIP/2.0".
/// </para>
/// <para>
/// A bucket untouched for Burst / RequestsPerSecond seconds is full again, exactly like a new one, so the sweep
/// forgets such buckets without changing what any source may do.
/// </para>
/// </summary>
public sealed class SourceRateLimiter : IDisposable
{
    private readonly ConcurrentDictionary<SourceKey, Bucket> _buckets = new();
    private readonly SourceRateLimiterOptions _options;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private readonly Bucket _overflow;
    private readonly long _refillTicks;
    private readonly double _perTick;
    private int _tracked, _sweeping;
    private long _refused, _dropped, _overflowed, _lastForcedSweep;

    public SourceRateLimiter(SourceRateLimiterOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.RequestsPerSecond > 0) || double.IsInfinity(options.RequestsPerSecond))
            throw new ArgumentOutOfRangeException(nameof(options), "RequestsPerSecond must be positive.");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Burst, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxTrackedSources, 1, nameof(options));
        _options = options;
        _time = time ?? TimeProvider.System;
        _perTick = options.RequestsPerSecond / _time.TimestampFrequency;
        _refillTicks = (long)Math.Ceiling(options.Burst / _perTick);
        _overflow = new Bucket(options.Burst, _time.GetTimestamp());
        RetryAfterSeconds = (int)Math.Max(1, Math.Ceiling(1 / options.RequestsPerSecond));
        _sweeper = _time.CreateTimer(_ => Sweep(), null, options.SweepInterval, options.SweepInterval);
    }

    /// <summary>Called (on the receiving thread) when a source goes over its rate; once until its bucket fills again.</summary>
    public Action<IPAddress>? OnLimited { get; set; }

    /// <summary>
    /// Sources never limited besides the configured networks, asked per message: the members of a cluster (an
    /// edge carries the traffic of thousands of clients from one address; a silo sends every NOTIFY).
    /// </summary>
    public Func<IPAddress, bool>? IsTrusted { get; set; }

    /// <summary>The Retry-After of a 503: when a source that waits may send again (at least one second).</summary>
    public int RetryAfterSeconds { get; }

    /// <summary>Requests refused (503, or dropped by the transaction layer when they could not be addressed).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Messages dropped unparsed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages charged to the shared bucket because the table of sources was full.</summary>
    public long Overflowed => Interlocked.Read(ref _overflowed);

    /// <summary>Sources with a bucket now.</summary>
    public int TrackedSources => Volatile.Read(ref _tracked);

    /// <summary>Charges one message to its source and says what to do with it.</summary>
    /// <param name="isResponse">The message starts with "SIP/" (RFC 3261 §7.2: a response's status line).</param>
    public SourceAdmission Admit(IPAddress source, bool isResponse)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.IsIPv4MappedToIPv6)
            source = source.MapToIPv4();
        if (IsExempt(source))
            return SourceAdmission.Admit;
        long now = _time.GetTimestamp();
        Bucket bucket = Find(SourceKey.From(source), now);
        SourceAdmission admission = bucket.Take(now, isResponse, _perTick, _options.Burst, out bool newlyLimited);
        if (admission == SourceAdmission.Refuse)
            Interlocked.Increment(ref _refused);
        else if (admission == SourceAdmission.Drop)
            Interlocked.Increment(ref _dropped);
        if (newlyLimited)
            OnLimited?.Invoke(source);
        return admission;
    }

    /// <summary>
    /// What a transport calls with the bytes of one datagram or one framed stream message, before parsing it:
    /// false when it is to be dropped; otherwise <paramref name="refusedRetryAfter"/> is the Retry-After of the
    /// 503 it is to get, or zero when it is admitted.
    /// </summary>
    public bool TryAdmit(IPAddress source, ReadOnlySpan<byte> message, out int refusedRetryAfter)
    {
        SourceAdmission admission = Admit(source, LooksLikeResponse(message));
        refusedRetryAfter = admission == SourceAdmission.Refuse ? RetryAfterSeconds : 0;
        return admission != SourceAdmission.Drop;
    }

    /// <summary>True when a message starts like a response: optional CRLFs (RFC 3261 §7.5), then "SIP/".</summary>
    public static bool LooksLikeResponse(ReadOnlySpan<byte> message)
    {
        int i = 0;
        while (i + 1 < message.Length && message[i] == (byte)'\r' && message[i + 1] == (byte)'\n')
            i += 2;
        return message[i..].StartsWith("SIP/"u8);
    }

    private bool IsExempt(IPAddress source)
    {
        if (IsTrusted is { } trusted && trusted(source))
            return true;
        foreach (IPNetwork network in _options.Exempt)
        {
            if (network.Contains(source))
                return true;
        }
        return false;
    }

    private Bucket Find(SourceKey key, long now)
    {
        while (true)
        {
            if (_buckets.TryGetValue(key, out Bucket? bucket))
                return bucket;
            if (Volatile.Read(ref _tracked) >= _options.MaxTrackedSources)
            {
                // Full: sweep now (at most once a second, it walks the whole table), else share one bucket.
                long last = Interlocked.Read(ref _lastForcedSweep);
                if (now - last >= _time.TimestampFrequency && Interlocked.CompareExchange(ref _lastForcedSweep, now, last) == last)
                    Sweep();
                if (Volatile.Read(ref _tracked) >= _options.MaxTrackedSources)
                {
                    Interlocked.Increment(ref _overflowed);
                    return _overflow;
                }
            }
            var fresh = new Bucket(_options.Burst, now);
            if (_buckets.TryAdd(key, fresh))
            {
                Interlocked.Increment(ref _tracked);
                return fresh;
            }
        }
    }

    /// <summary>Forgets the buckets that are full again. A message racing with the removal of its bucket is charged
    /// to the removed one: one message's worth of leniency, never a wrong refusal.</summary>
    private void Sweep()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) != 0)
            return;
        try
        {
            long now = _time.GetTimestamp();
            foreach (var (key, bucket) in _buckets)
            {
                if (bucket.IsFullAgain(now, _refillTicks) && _buckets.TryRemove(new KeyValuePair<SourceKey, Bucket>(key, bucket)))
                    Interlocked.Decrement(ref _tracked);
            }
            _overflow.ResetEpisodeIfFull(now, _refillTicks);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private sealed class Bucket(int burst, long now)
    {
        private readonly Lock _gate = new();
        private double _requests = burst, _refusals = burst, _responses = burst;
        private long _stamp = now;
        private bool _limited;

        public SourceAdmission Take(long now, bool isResponse, double perTick, int burst, out bool newlyLimited)
        {
            newlyLimited = false;
            lock (_gate)
            {
                // Timestamps taken on other threads can be a little older than the last one used: never go back.
                if (now > _stamp)
                {
                    double add = (now - _stamp) * perTick;
                    _requests = Math.Min(burst, _requests + add);
                    _refusals = Math.Min(burst, _refusals + add);
                    _responses = Math.Min(burst, _responses + add);
                    _stamp = now;
                }
                if (isResponse)
                {
                    if (_responses >= 1)
                    {
                        _responses--;
                        return SourceAdmission.Admit;
                    }
                    newlyLimited = StartEpisode();
                    return SourceAdmission.Drop;
                }
                if (_requests >= 1)
                {
                    _requests--;
                    return SourceAdmission.Admit;
                }
                newlyLimited = StartEpisode();
                if (_refusals >= 1)
                {
                    _refusals--;
                    return SourceAdmission.Refuse;
                }
                return SourceAdmission.Drop;
            }
        }

        public bool IsFullAgain(long now, long refillTicks)
        {
            lock (_gate)
                return now - _stamp >= refillTicks;
        }

        /// <summary>The shared bucket is never removed; its "limited" flag is reset the way removal resets the others'.</summary>
        public void ResetEpisodeIfFull(long now, long refillTicks)
        {
            lock (_gate)
            {
                if (now - _stamp >= refillTicks)
                    _limited = false;
            }
        }

        private bool StartEpisode()
        {
            if (_limited)
                return false;
            _limited = true;
            return true;
        }
    }
}
