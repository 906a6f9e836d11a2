using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Presence.Sip.Transport;

namespace Presence.Server.Sip;

/// <summary>
/// The web side of SIP over WebSocket (RFC 7118): on the ports of Sip:WebSocket the web server takes the WebSocket
/// upgrade with the subprotocol "sip", from an allowed Origin, within the per-address and total connection caps, and
/// hands the WebSocket to the transport (<see cref="WebSocketSipTransport"/>). Nothing else is served on those ports:
/// a plain HTTP request gets 426, a handshake without "sip" among its subprotocols 400, a page of an origin not
/// allowed 403, a source over its connection cap 503.
/// </summary>
public static class WebSocketEndpoint
{
    /// <summary>The Kestrel URLs of the WebSocket listeners, to add to the HTTP API's.</summary>
    public static IEnumerable<string> Urls(SipOptions options)
    {
        var address = IPAddress.Parse(options.ListenAddress);
        string host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        if (options.WebSocket.Port != 0)
            yield return $"http://{host}:{options.WebSocket.Port}";
        if (options.WebSocket.TlsPort != 0)
            yield return $"https://{host}:{options.WebSocket.TlsPort}";
    }

    /// <summary>
    /// The Sip section as configured, before validation (which runs when the host starts and refuses bad settings with its
    /// message); null when it cannot even be bound (a port that is no number), which that validation reports too.
    /// </summary>
    public static SipOptions? Configured(IConfiguration configuration)
    {
        try
        {
            SipOptions options = configuration.GetSection(SipOptions.Section).Get<SipOptions>() ?? new SipOptions();
            return IPAddress.TryParse(options.ListenAddress, out _) ? options : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Takes every request that arrives on a WebSocket port; other ports go on to the HTTP API.</summary>
    public static void UseSipWebSockets(this WebApplication app)
    {
        if (Configured(app.Configuration) is not { } options || (options.WebSocket.Port == 0 && options.WebSocket.TlsPort == 0))
            return;
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = options.WebSocket.KeepAliveInterval });
        app.Use(async (context, next) =>
        {
            int port = context.Connection.LocalPort;
            SipTransportKind? kind = port == options.WebSocket.Port ? SipTransportKind.Ws
                : port == options.WebSocket.TlsPort ? SipTransportKind.Wss
                : null;
            if (kind is null)
            {
                await next(context).ConfigureAwait(false);
                return;
            }
            await HandleAsync(context, kind.Value, context.RequestServices.GetRequiredService<SipEndpointService>(), options.WebSocket).ConfigureAwait(false);
        });
    }

    private static async Task HandleAsync(HttpContext context, SipTransportKind kind, SipEndpointService endpoint, SipWebSocketOptions options)
    {
        HttpResponse response = context.Response;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            // RFC 7231 §6.5.15: the upgrade this port needs.
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers.Upgrade = "websocket";
            await response.WriteAsync("This port takes SIP over WebSocket only (RFC 7118): upgrade with Sec-WebSocket-Protocol: sip.\n").ConfigureAwait(false);
            return;
        }
        if (!context.WebSockets.WebSocketRequestedProtocols.Contains(WebSocketSipTransport.SubProtocol, StringComparer.OrdinalIgnoreCase))
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            await response.WriteAsync("The WebSocket subprotocol 'sip' is required (RFC 7118 §4.1).\n").ConfigureAwait(false);
            return;
        }
        if (!OriginAllowed(context.Request, options.AllowedOrigins))
        {
            response.StatusCode = StatusCodes.Status403Forbidden;
            await response.WriteAsync("This Origin may not open SIP WebSockets here (Sip:WebSocket:AllowedOrigins).\n").ConfigureAwait(false);
            return;
        }
        WebSocketSipTransport? transport;
        try
        {
            transport = endpoint.Transactions is null ? null : endpoint.Transports.WebSocket(kind);
        }
        catch (InvalidOperationException)
        {
            // SIP has stopped (the process is ending): no new flows.
            transport = null;
        }
        var remote = new IPEndPoint(ClientAddress(context, options), context.Connection.RemotePort);
        if (transport is null || !transport.TryAdmit(remote))
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = "5";
            await response.WriteAsync("Too many SIP WebSockets from this address, or SIP is not running.\n").ConfigureAwait(false);
            return;
        }
        System.Net.WebSockets.WebSocket socket;
        try
        {
            socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = WebSocketSipTransport.SubProtocol }).ConfigureAwait(false);
        }
        catch
        {
            transport.Release(remote);
            throw;
        }
        using (socket)
            await transport.ServeAsync(socket, remote, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The client's address: the connection's, or, when that is a trusted reverse proxy, the last address of its
    /// X-Forwarded-For (the one the proxy itself added).
    /// </summary>
    internal static IPAddress ClientAddress(HttpContext context, SipWebSocketOptions options)
    {
        IPAddress peer = context.Connection.RemoteIpAddress ?? IPAddress.None;
        if (peer.IsIPv4MappedToIPv6)
            peer = peer.MapToIPv4();
        if (options.TrustedProxies.Count == 0
            || !options.TrustedProxies.Any(p => SipRateLimitOptions.TryParseNetwork(p, out var network) && network.Contains(peer)))
            return peer;
        string? forwarded = context.Request.Headers["X-Forwarded-For"];
        string? last = forwarded?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return last is not null && IPAddress.TryParse(last, out var client) ? client : peer;
    }

    /// <summary>
    /// No Origin (a softphone, not a page) is allowed; a page's Origin must be listed, or, with no list, be of the
    /// server's own host (the Host the request came to, whatever the port: the page is served by the HTTP API).
    /// </summary>
    internal static bool OriginAllowed(HttpRequest request, IReadOnlyList<string> allowed)
    {
        string? origin = request.Headers.Origin;
        if (string.IsNullOrEmpty(origin))
            return true;
        // The server's own pages (the presence page comes from the HTTP API's port, the WebSocket goes to its own).
        if (allowed.Count == 0)
            return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                && string.Equals(uri.IdnHost, request.Host.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);
        return allowed.Any(a => a == "*" || string.Equals(a.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
    }
}
