namespace Presence.Sip.Headers;

/// <summary>Warning (RFC 3261 §20.43): warn-code SP warn-agent SP warn-text (quoted).</summary>
public readonly record struct WarningHeader(int Code, string Agent, string Text)
{
    public static bool TryParse(string value, out WarningHeader warning, out string error)
    {
        warning = default;
        var scanner = new SipScanner(value);
        scanner.SkipWhiteSpace();
        ReadOnlySpan<char> code = scanner.ReadToken();
        if (code.Length != 3 || !int.TryParse(code, System.Globalization.NumberStyles.None, null, out int number))
        {
            error = "malformed warn-code";
            return false;
        }
        scanner.SkipWhiteSpace();
        ReadOnlySpan<char> agent = scanner.ReadUntil(" \t");
        scanner.SkipWhiteSpace();
        if (agent.IsEmpty || !scanner.TryReadQuoted(out string text))
        {
            error = "malformed Warning";
            return false;
        }
        warning = new WarningHeader(number, agent.ToString(), text);
        error = string.Empty;
        return true;
    }

    public override string ToString()
    {
        var b = new System.Text.StringBuilder();
        b.Append(Code.ToString("000", System.Globalization.CultureInfo.InvariantCulture)).Append(' ').Append(Agent).Append(' ');
        SipParameter.AppendQuoted(b, Text);
        return b.ToString();
    }
}

/// <summary>Reason (RFC 3326): protocol ;cause=… ;text="…".</summary>
public sealed class ReasonHeader
{
    public ReasonHeader(string protocol, int? cause, string? text)
    {
        Protocol = protocol;
        Parameters = new SipParameters();
        if (cause is int c)
            Parameters.Set("cause", c.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (text is not null)
            Parameters.Set("text", text, quoted: true);
    }

    private ReasonHeader(string protocol, SipParameters parameters)
    {
        Protocol = protocol;
        Parameters = parameters;
    }

    public string Protocol { get; }

    public SipParameters Parameters { get; }

    public int? Cause => int.TryParse(Parameters["cause"], out int c) ? c : null;

    public string? Text => Parameters["text"];

    public static bool TryParse(string value, out ReasonHeader? reason, out string error)
    {
        reason = null;
        var scanner = new SipScanner(value);
        scanner.SkipWhiteSpace();
        ReadOnlySpan<char> protocol = scanner.ReadToken();
        if (protocol.IsEmpty)
        {
            error = "missing Reason protocol";
            return false;
        }
        var parameters = new SipParameters();
        if (!SipParameters.TryRead(ref scanner, parameters, out error))
            return false;
        reason = new ReasonHeader(protocol.ToString(), parameters);
        return true;
    }

    public override string ToString()
    {
        var b = new System.Text.StringBuilder(Protocol);
        Parameters.AppendTo(b);
        return b.ToString();
    }
}

/// <summary>Retry-After (RFC 3261 §20.33): delta-seconds [ comment ] *( ";" retry-param ).</summary>
public sealed class RetryAfterHeader
{
    public RetryAfterHeader(int seconds, string? comment = null, int? duration = null)
    {
        Seconds = seconds;
        Comment = comment;
        Duration = duration;
    }

    public int Seconds { get; }

    public string? Comment { get; }

    public int? Duration { get; }

    public static bool TryParse(string value, out RetryAfterHeader? header, out string error)
    {
        header = null;
        var scanner = new SipScanner(value);
        scanner.SkipWhiteSpace();
        ReadOnlySpan<char> digits = scanner.ReadToken();
        if (digits.IsEmpty || digits.Length > 10 || !uint.TryParse(digits, System.Globalization.NumberStyles.None, null, out uint seconds))
        {
            error = "malformed Retry-After";
            return false;
        }
        scanner.SkipWhiteSpace();
        string? comment = null;
        if (scanner.Peek == '(')
        {
            ReadOnlySpan<char> rest = scanner.Rest;
            int close = rest.LastIndexOf(')');
            if (close < 0)
            {
                error = "unterminated Retry-After comment";
                return false;
            }
            comment = rest[1..close].ToString();
            scanner.Advance(close + 1);
        }
        var parameters = new SipParameters();
        if (!SipParameters.TryRead(ref scanner, parameters, out error))
            return false;
        int? duration = int.TryParse(parameters["duration"], System.Globalization.NumberStyles.None, null, out int d) ? d : null;
        header = new RetryAfterHeader((int)Math.Min(seconds, int.MaxValue), comment, duration);
        return true;
    }

    public override string ToString()
    {
        string text = Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Comment is not null)
            text += " (" + Comment + ")";
        if (Duration is int d)
            text += ";duration=" + d.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return text;
    }
}
