namespace Presence.Sip.Transactions;

/// <summary>The timer values of RFC 3261 §17.1.1.1 and Table 4; the defaults are the RFC's.</summary>
public sealed record SipTimerSettings
{
    /// <summary>RTT estimate (default 500 ms).</summary>
    public TimeSpan T1 { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest retransmit interval for non-INVITE requests and INVITE responses (default 4 s).</summary>
    public TimeSpan T2 { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Longest time a message stays in the network (default 5 s).</summary>
    public TimeSpan T4 { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>64*T1: timers B, F, H, J and L.</summary>
    public TimeSpan TransactionTimeout => T1 * 64;

    public static SipTimerSettings Default { get; } = new();

    public void Validate()
    {
        if (T1 <= TimeSpan.Zero || T2 < T1 || T4 <= TimeSpan.Zero)
            throw new ArgumentException("SIP timers need T1 > 0, T2 >= T1 and T4 > 0.");
    }
}
