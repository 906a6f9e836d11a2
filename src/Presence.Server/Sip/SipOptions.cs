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

    /// <summary>How long a stopping server waits for requests in progress (default 5 s).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public SipTimerOptions Timers { get; set; } = new();
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
        foreach (var (key, port) in new[] { ("UdpPort", options.UdpPort), ("TcpPort", options.TcpPort), ("TlsPort", options.TlsPort) })
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
        if (options.MaxMessageSize is < 1024 or > 1_048_576)
            failures.Add("Sip:MaxMessageSize must be between 1,024 and 1,048,576 bytes.");
        if (options.MaxHeaderCount is < 8 or > 10_000)
            failures.Add("Sip:MaxHeaderCount must be between 8 and 10,000.");
        if (options.MaxLineLength is < 256 or > 1_048_576)
            failures.Add("Sip:MaxLineLength must be between 256 and 1,048,576 bytes.");
        if (options.TcpIdleTimeout <= TimeSpan.Zero)
            failures.Add("Sip:TcpIdleTimeout must be positive.");
        if (options.ShutdownTimeout < TimeSpan.Zero)
            failures.Add("Sip:ShutdownTimeout cannot be negative.");
        if (options.Timers.T1 <= TimeSpan.Zero || options.Timers.T2 < options.Timers.T1 || options.Timers.T4 <= TimeSpan.Zero)
            failures.Add("Sip:Timers need T1 > 0, T2 >= T1 and T4 > 0.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
