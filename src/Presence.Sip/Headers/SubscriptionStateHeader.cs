namespace Presence.Sip.Headers;

/// <summary>Subscription-State (RFC 6665 §8.2.3): active, pending or terminated, with expires, reason, retry-after.</summary>
public sealed class SubscriptionStateHeader
{
    public SubscriptionStateHeader(string state, SipParameters? parameters = null)
    {
        State = state;
        Parameters = parameters ?? new SipParameters();
    }

    public string State { get; }

    public SipParameters Parameters { get; }

    public bool IsActive => State.Equals("active", StringComparison.OrdinalIgnoreCase);

    public bool IsPending => State.Equals("pending", StringComparison.OrdinalIgnoreCase);

    public bool IsTerminated => State.Equals("terminated", StringComparison.OrdinalIgnoreCase);

    public string? Reason => Parameters["reason"];

    public int? Expires => int.TryParse(Parameters["expires"], System.Globalization.NumberStyles.None, null, out int v) ? v : null;

    public int? RetryAfter => int.TryParse(Parameters["retry-after"], System.Globalization.NumberStyles.None, null, out int v) ? v : null;

    public static SubscriptionStateHeader Active(int expires) => WithParameter("active", "expires", expires.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static SubscriptionStateHeader Pending(int expires) => WithParameter("pending", "expires", expires.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static SubscriptionStateHeader Terminated(string reason) => WithParameter("terminated", "reason", reason);

    public static bool TryParse(string text, out SubscriptionStateHeader? value, out string error)
    {
        value = null;
        var scanner = new SipScanner(text);
        scanner.SkipWhiteSpace();
        ReadOnlySpan<char> state = scanner.ReadToken();
        if (state.IsEmpty)
        {
            error = "missing subscription state";
            return false;
        }
        var parameters = new SipParameters();
        if (!SipParameters.TryReadToEnd(ref scanner, parameters, "Subscription-State", out error))
            return false;
        value = new SubscriptionStateHeader(state.ToString(), parameters);
        return true;
    }

    public override string ToString()
    {
        var b = new System.Text.StringBuilder(State);
        Parameters.AppendTo(b);
        return b.ToString();
    }

    private static SubscriptionStateHeader WithParameter(string state, string name, string value)
    {
        var parameters = new SipParameters();
        parameters.Set(name, value);
        return new SubscriptionStateHeader(state, parameters);
    }
}
