using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Presence.Sip.Transport;

/// <summary>Settings of the TCP and TLS transports.</summary>
public sealed record SipStreamOptions
{
    /// <summary>A connection with no traffic for this long is closed (default 5 minutes; clients send CRLF
    /// keep-alives more often than that, RFC 5626 §4.4.1).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Time allowed for a message's header section, from its first byte (or, for the first message on an accepted
    /// connection, from the accept) to its empty line (default 10 s). A peer that trickles a header a byte at a
    /// time (slowloris) would otherwise hold the connection for as long as the idle timeout allows after each byte;
    /// like Kestrel's RequestHeadersTimeout, this closes it instead.
    /// </summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most inbound connections from one source (an IPv4 address or an IPv6 /64, <see cref="SourceKey"/>) at
    /// once (default 64; 0 = no cap). More are closed as soon as they are accepted, so one host cannot use up
    /// <see cref="MaxConnections"/> for everyone.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 64;

    /// <summary>
    /// How long a connection whose peer has shut down its sending side (a TCP half-close: Perl Net::SIP does it after
    /// its request) stays open for what this side still has to send, the answers to the requests already read above all
    /// (default 32 s, 64*T1: the longest a non-INVITE transaction lives, RFC 3261 §17.2.2). It closes earlier when a
    /// write fails because the peer has closed the other direction too.
    /// </summary>
    public TimeSpan HalfClosedLinger { get; init; } = TimeSpan.FromSeconds(32);

    /// <summary>Time allowed for a TLS handshake (default 10 s): a peer that stalls it is cut off.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed to open an outbound connection (default 5 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Most connections at once, inbound and outbound (default 10,000); more are refused.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>The server certificate, with its private key; required for TLS.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>For outbound TLS: accept a peer certificate that does not validate (tests, private PKI). Default false.</summary>
    public bool AllowUntrustedPeerCertificates { get; init; }

    /// <summary>TLS versions offered and accepted (default TLS 1.2 and 1.3; RFC 8996 retired the older ones).</summary>
    public SslProtocols TlsProtocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    public static SipStreamOptions Default { get; } = new();
}
