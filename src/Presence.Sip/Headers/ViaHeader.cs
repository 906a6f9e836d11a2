using System.Text;

namespace Presence.Sip.Headers;

/// <summary>
/// One Via value (RFC 3261 §20.42): "SIP/2.0/UDP host:port;branch=z9hG4bK…;received=…;rport=…".
/// </summary>
public sealed class ViaHeader
{
    /// <summary>RFC 3261 §8.1.1.7: branches of compliant elements start with this cookie.</summary>
    public const string MagicCookie = "z9hG4bK";

    public ViaHeader(string transport, string host, int? port, SipParameters? parameters = null, bool hostIsIPv6 = false)
    {
        Transport = transport.ToUpperInvariant();
        Host = host;
        Port = port;
        HostIsIPv6 = hostIsIPv6;
        Parameters = parameters ?? new SipParameters();
    }

    /// <summary>UDP, TCP, TLS, SCTP, WS, WSS (upper case).</summary>
    public string Transport { get; }

    public string Host { get; }

    public bool HostIsIPv6 { get; }

    public int? Port { get; }

    public SipParameters Parameters { get; }

    public string? Branch => Parameters["branch"];

    public string? Received => Parameters["received"];

    public string? Maddr => Parameters["maddr"];

    /// <summary>True when the client asked for rport (RFC 3581 §3), with or without a value.</summary>
    public bool HasRport => Parameters.Contains("rport");

    /// <summary>The rport value filled in by a server, or null.</summary>
    public int? Rport => int.TryParse(Parameters["rport"], out int p) ? p : null;

    /// <summary>The sent-by part, "host[:port]", as used in transaction matching (RFC 3261 §17.2.3).</summary>
    public string SentBy => Port is int p ? $"{HostReference}:{p}" : HostReference;

    public string HostReference => HostIsIPv6 ? "[" + Host + "]" : Host;

    public bool IsReliable => Transport is not "UDP";

    public static ViaHeader Parse(string text) =>
        TryParse(text, out var via, out string error) ? via! : throw new FormatException(error);

    public static bool TryParse(string text, out ViaHeader? via, out string error) => TryParse(text, lenient: false, out via, out error);

    /// <summary>
    /// What an answer to a request with a malformed Via still needs: any SIP version in the sent-protocol, the transport
    /// and the sent-by; the parameters when they parse (rport, received, maddr), none when they do not. For the 400
    /// (or 505) that says what is wrong with the request, never for routing a request.
    /// </summary>
    public static bool TryParseSentBy(string text, out ViaHeader? via) => TryParse(text, lenient: true, out via, out _);

    private static bool TryParse(string text, bool lenient, out ViaHeader? via, out string error)
    {
        via = null;
        var scanner = new SipScanner(text);
        scanner.SkipWhiteSpace();
        // sent-protocol = protocol-name SLASH protocol-version SLASH transport (LWS allowed around SLASH).
        bool protocol = scanner.ReadToken().Equals("SIP", StringComparison.OrdinalIgnoreCase) && scanner.TryConsume('/');
        ReadOnlySpan<char> version = protocol ? scanner.ReadToken() : default;
        if (!protocol || !(lenient ? !version.IsEmpty : version.SequenceEqual("2.0")) || !scanner.TryConsume('/'))
        {
            error = "malformed Via protocol";
            return false;
        }
        ReadOnlySpan<char> transport = scanner.ReadToken();
        if (transport.IsEmpty)
        {
            error = "missing Via transport";
            return false;
        }
        scanner.SkipWhiteSpace();
        ReadOnlySpan<char> sentBy = scanner.ReadUntil("; \t,");
        // sent-by = host [ COLON port ] where COLON = SWS ":" SWS (RFC 3261 §25.1, the example of §20.42).
        if (sentBy.EndsWith(':'))
        {
            scanner.SkipWhiteSpace();
            sentBy = string.Concat(sentBy, scanner.ReadToken());
        }
        else if (scanner.TryConsume(':'))
        {
            sentBy = string.Concat(sentBy, ":", scanner.ReadToken());
        }
        if (!SipUri.TryParseHostPort(sentBy, out string host, out bool ipv6, out int? port, out error))
        {
            error = "malformed Via sent-by: " + error;
            return false;
        }
        var parameters = new SipParameters();
        if (!SipParameters.TryRead(ref scanner, parameters, out error))
        {
            if (lenient)
            {
                via = new ViaHeader(transport.ToString(), host, port, null, ipv6);
                return true;
            }
            error = "malformed Via parameters: " + error;
            return false;
        }
        scanner.SkipWhiteSpace();
        if (!scanner.AtEnd && !lenient)
        {
            error = "unexpected text in Via";
            return false;
        }
        if (parameters.Contains("branch") && string.IsNullOrEmpty(parameters["branch"]))
        {
            if (lenient)
                parameters.Remove("branch");
            else
            {
                error = "empty Via branch";
                return false;
            }
        }
        via = new ViaHeader(transport.ToString(), host, port, parameters, ipv6);
        return true;
    }

    /// <summary>
    /// The Via a server returns in responses (RFC 3261 §18.2.1, RFC 3581 §4): received= when the packet came
    /// from another address than sent-by names, and rport= filled in when the client asked for it.
    /// </summary>
    public ViaHeader WithReceived(string sourceAddress, int sourcePort)
    {
        var parameters = Parameters.Clone();
        bool rport = HasRport;
        if (rport || !string.Equals(Host, sourceAddress, StringComparison.OrdinalIgnoreCase))
            parameters.Set("received", sourceAddress);
        if (rport)
            parameters.Set("rport", sourcePort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new ViaHeader(Transport, Host, Port, parameters, HostIsIPv6);
    }

    public override string ToString()
    {
        var b = new StringBuilder(96);
        b.Append("SIP/2.0/").Append(Transport).Append(' ').Append(SentBy);
        Parameters.AppendTo(b);
        return b.ToString();
    }
}
