using System.Net;
using Microsoft.Extensions.Options;

namespace Presence.Server.Sip;

/// <summary>The "Sip" configuration section. Every setting has a default that runs a server on a fresh machine.</summary>
public sealed class SipOptions
{
    public const string Section = "Sip";

    /// <summary>Address the listeners bind to (default 0.0.0.0; "::" is dual-stack IPv6 and IPv4).</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>UDP port (default 5060; 0 turns UDP off).</summary>
    public int UdpPort { get; set; } = 5060;

    /// <summary>TCP port (default 5060; 0 turns TCP off).</summary>
    public int TcpPort { get; set; } = 5060;

    /// <summary>TLS port (default 5061); TLS listens only when a certificate is configured.</summary>
    public int TlsPort { get; set; } = 5061;

    public SipTlsOptions Tls { get; set; } = new();

    /// <summary>The host name or address put in Via and Contact (default: the listen address, or this
    /// machine's first non-loopback address when listening on a wildcard).</summary>
    public string AdvertisedHost { get; set; } = string.Empty;

    /// <summary>Largest message accepted, in bytes (default 65,535).</summary>
    public int MaxMessageSize { get; set; } = 65_535;

    /// <summary>Most header fields in one message (default 128).</summary>
    public int MaxHeaderCount { get; set; } = 128;

    /// <summary>Longest header line, in bytes (default 8,192).</summary>
    public int MaxLineLength { get; set; } = 8_192;

    /// <summary>TCP/TLS connections idle this long are closed (default 5 minutes).</summary>
    public TimeSpan TcpIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>On TCP/TLS, a message's header section must end within this time of its first byte (the first
    /// message on an accepted connection: of the accept), or the connection is closed (default 10 s): the defence
    /// against slowloris.</summary>
    public TimeSpan HeaderTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most TCP/TLS connections from one IPv4 address or IPv6 /64 at once (default 64; 0 = no cap).</summary>
    public int MaxConnectionsPerAddress { get; set; } = 64;

    /// <summary>How long a stopping server waits for requests in progress (default 5 s).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public SipTimerOptions Timers { get; set; } = new();

    public SipRateLimitOptions RateLimit { get; set; } = new();

    /// <summary>SIP over WebSocket (RFC 7118), for browser clients (JsSIP, SIP.js) and WebRTC softphones.</summary>
    public SipWebSocketOptions WebSocket { get; set; } = new();
}

/// <summary>
/// The rate limit per source (an IPv4 address or an IPv6 /64), on every transport together. Over the rate,
/// requests get 503 with Retry-After; past twice the rate, messages are dropped unread (see SourceRateLimiter).
/// </summary>
public sealed class SipRateLimitOptions
{
    /// <summary>Limit sources at all (default true). Loopback is limited like any other address unless exempt.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Average requests per second a source may send (default 200; 0 turns the limit off).</summary>
    public double RequestsPerSecond { get; set; } = 200;

    /// <summary>Requests a source may send at once after a quiet spell (default 400).</summary>
    public int Burst { get; set; } = 400;

    /// <summary>Most sources tracked at once (default 100,000); past it new sources share one bucket.</summary>
    public int MaxTrackedSources { get; set; } = 100_000;

    /// <summary>Addresses or CIDR blocks never limited, e.g. a trusted edge proxy ("10.1.2.3", "2001:db8::/32").</summary>
    public List<string> Exempt { get; set; } = [];

    public bool IsOn => Enabled && RequestsPerSecond > 0;

    /// <summary>The Exempt entries as networks (the validator has refused any that is neither).</summary>
    public List<IPNetwork> ExemptNetworks() =>
        Exempt.Select(e => TryParseNetwork(e, out var network) ? network : (IPNetwork?)null).OfType<IPNetwork>().ToList();

    /// <summary>An address ("10.1.2.3") is the block of that one address.</summary>
    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        text = text.Trim();
        if (IPAddress.TryParse(text, out var address) && !text.Contains('/', StringComparison.Ordinal))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return IPNetwork.TryParse(text, out network);
    }
}

/// <summary>
/// SIP over WebSocket (RFC 7118): listeners of the web server, apart from the HTTP API, that take only the WebSocket
/// upgrade with the subprotocol "sip". Off by default (port 0).
/// </summary>
public sealed class SipWebSocketOptions
{
    /// <summary>The ws:// port on Sip:ListenAddress; 0 = off.</summary>
    public int Port { get; set; }

    /// <summary>The wss:// port on Sip:ListenAddress, with the certificate of Sip:Tls; 0 = off.</summary>
    public int TlsPort { get; set; }

    /// <summary>
    /// The Origins (RFC 6454, "https://phone.example.com") whose pages may open a WebSocket. Empty: only clients that
    /// send no Origin (softphones) and pages of the server's own host (any port: the presence page comes from the HTTP API's). "*" allows every origin.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>
    /// Reverse proxies (addresses or CIDR blocks) in front of the WebSocket listeners: for a WebSocket from one of them,
    /// the client's address is the last one in its X-Forwarded-For (what the limits and the Via's received count).
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>A WebSocket with no message for this long is closed (as Sip:TcpIdleTimeout for TCP).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the server pings an open WebSocket (RFC 6455 §5.5.2), which keeps NATs and proxies open.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class SipTlsOptions
{
    /// <summary>A PEM certificate (with KeyPath) or a PKCS#12 (.pfx/.p12) file; empty turns TLS off.</summary>
    public string CertificatePath { get; set; } = string.Empty;

    /// <summary>The PEM private key, when CertificatePath is PEM and the key is in its own file.</summary>
    public string KeyPath { get; set; } = string.Empty;

    /// <summary>The PKCS#12 password, if any.</summary>
    public string CertificatePassword { get; set; } = string.Empty;

    /// <summary>TLS versions, comma-separated (default "Tls12, Tls13"). Some older clients (sipsak 0.9.8 with
    /// GnuTLS) cannot read after a TLS 1.3 handshake; "Tls12" serves them.</summary>
    public string Protocols { get; set; } = "Tls12, Tls13";
}

/// <summary>RFC 3261 timers; defaults are the RFC's.</summary>
public sealed class SipTimerOptions
{
    public TimeSpan T1 { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan T2 { get; set; } = TimeSpan.FromSeconds(4);

    public TimeSpan T4 { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Refuses a configuration that cannot work, at start, with a message saying which setting is wrong.</summary>
public sealed class SipOptionsValidator : IValidateOptions<SipOptions>
{
    public ValidateOptionsResult Validate(string? name, SipOptions options)
    {
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.ListenAddress, out _))
            failures.Add($"Sip:ListenAddress '{options.ListenAddress}' is not an IP address.");
        foreach (var (key, port) in new[] { ("UdpPort", options.UdpPort), ("TcpPort", options.TcpPort), ("TlsPort", options.TlsPort),
            ("WebSocket:Port", options.WebSocket.Port), ("WebSocket:TlsPort", options.WebSocket.TlsPort) })
        {
            if (port is < 0 or > 65535)
                failures.Add($"Sip:{key} {port} is not a port (0 to 65535, 0 = off).");
        }
        if (options.UdpPort == 0 && options.TcpPort == 0 && string.IsNullOrEmpty(options.Tls.CertificatePath))
            failures.Add("No SIP listener: set Sip:UdpPort, Sip:TcpPort, or a TLS certificate.");
        if (!string.IsNullOrEmpty(options.Tls.CertificatePath) && !File.Exists(options.Tls.CertificatePath))
            failures.Add($"Sip:Tls:CertificatePath '{options.Tls.CertificatePath}' does not exist.");
        if (!string.IsNullOrEmpty(options.Tls.KeyPath) && !File.Exists(options.Tls.KeyPath))
            failures.Add($"Sip:Tls:KeyPath '{options.Tls.KeyPath}' does not exist.");
        if (!Enum.TryParse<System.Security.Authentication.SslProtocols>(options.Tls.Protocols, ignoreCase: true, out var protocols)
            || (protocols & ~(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13)) != 0
            || protocols == System.Security.Authentication.SslProtocols.None)
            failures.Add($"Sip:Tls:Protocols '{options.Tls.Protocols}' must name Tls12, Tls13 or both.");
        if (options.WebSocket.TlsPort != 0 && string.IsNullOrEmpty(options.Tls.CertificatePath))
            failures.Add("Sip:WebSocket:TlsPort needs the certificate of Sip:Tls:CertificatePath.");
        if (options.WebSocket.Port != 0 && options.WebSocket.Port == options.WebSocket.TlsPort)
            failures.Add("Sip:WebSocket:Port and Sip:WebSocket:TlsPort must differ.");
        if (options.WebSocket.IdleTimeout <= TimeSpan.Zero || options.WebSocket.KeepAliveInterval < TimeSpan.Zero)
            failures.Add("Sip:WebSocket:IdleTimeout must be positive and Sip:WebSocket:KeepAliveInterval not negative.");
        foreach (string proxy in options.WebSocket.TrustedProxies)
        {
            if (!SipRateLimitOptions.TryParseNetwork(proxy, out _))
                failures.Add($"Sip:WebSocket:TrustedProxies '{proxy}' is not an address or CIDR block.");
        }
        foreach (string origin in options.WebSocket.AllowedOrigins)
        {
            if (origin != "*" && !(Uri.TryCreate(origin, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && u.AbsolutePath == "/"))
                failures.Add($"Sip:WebSocket:AllowedOrigins '{origin}' is not an origin (scheme://host[:port], or *).");
        }
        if (options.MaxMessageSize is < 1024 or > 1_048_576)
            failures.Add("Sip:MaxMessageSize must be between 1,024 and 1,048,576 bytes.");
        if (options.MaxHeaderCount is < 8 or > 10_000)
            failures.Add("Sip:MaxHeaderCount must be between 8 and 10,000.");
        if (options.MaxLineLength is < 256 or > 1_048_576)
            failures.Add("Sip:MaxLineLength must be between 256 and 1,048,576 bytes.");
        if (options.TcpIdleTimeout <= TimeSpan.Zero)
            failures.Add("Sip:TcpIdleTimeout must be positive.");
        if (options.HeaderTimeout <= TimeSpan.Zero)
            failures.Add("Sip:HeaderTimeout must be positive.");
        if (options.MaxConnectionsPerAddress < 0)
            failures.Add("Sip:MaxConnectionsPerAddress cannot be negative (0 = no cap).");
        ValidateRateLimit(options.RateLimit, failures);
        if (options.ShutdownTimeout < TimeSpan.Zero)
            failures.Add("Sip:ShutdownTimeout cannot be negative.");
        if (options.Timers.T1 <= TimeSpan.Zero || options.Timers.T2 < options.Timers.T1 || options.Timers.T4 <= TimeSpan.Zero)
            failures.Add("Sip:Timers need T1 > 0, T2 >= T1 and T4 > 0.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateRateLimit(SipRateLimitOptions rate, List<string> failures)
    {
        if (!(rate.RequestsPerSecond >= 0) || double.IsInfinity(rate.RequestsPerSecond))
            failures.Add("Sip:RateLimit:RequestsPerSecond must be 0 (off) or a positive number.");
        if (rate.Burst < 1)
            failures.Add("Sip:RateLimit:Burst must be at least 1.");
        if (rate.MaxTrackedSources is < 1 or > 10_000_000)
            failures.Add("Sip:RateLimit:MaxTrackedSources must be between 1 and 10,000,000.");
        foreach (string entry in rate.Exempt)
        {
            if (!SipRateLimitOptions.TryParseNetwork(entry, out _))
                failures.Add($"Sip:RateLimit:Exempt '{entry}' is not an address or a CIDR block such as 10.0.0.0/8.");
        }
    }
}
