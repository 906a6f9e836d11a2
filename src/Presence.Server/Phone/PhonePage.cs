using System.Collections.Frozen;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Presence.Server.Sip;

namespace Presence.Server.Phone;

/// <summary>
/// The presence page for users (GET /phone): a user signs in with SIP credentials, the page registers over SIP over
/// WebSocket with JsSIP (from npm, bundled by the build), sets available, away or do-not-disturb with a comment, and
/// shows a buddy list that changes as NOTIFYs arrive. Plain files embedded in the assembly; the page holds no data and
/// needs no token. The policy headers let it load only its own script and style, and talk only to its own origin and
/// the server's SIP WebSocket listener.
/// </summary>
public static class PhonePage
{
    public const string Path = "/phone";

    private static readonly FrozenDictionary<string, (string ContentType, byte[] Bytes)> Assets = Load();

    /// <summary>GET /phone, its assets, and /phone/config.json (where the page's WebSocket goes).</summary>
    public static void MapPhonePage(this WebApplication app)
    {
        // As configured (validated when the host starts); null on a member that speaks no SIP.
        SipOptions? sip = app.Services.GetService<IServiceProviderIsService>()?.IsService(typeof(SipEndpointService)) != true ? null
            : WebSocketEndpoint.Configured(app.Configuration);
        string? configured = app.Configuration["Phone:WebSocketUrl"];
        app.MapGet(Path, (HttpContext http) => Serve("phone.html", http, sip, configured));
        app.MapGet(Path + "/config.json", (HttpContext http) =>
        {
            NoStore(http);
            return WebSocketUrl(http.Request, sip, configured) is { } url
                ? Results.Json(new PhoneConfig(url))
                : Results.Json(new PhoneProblem("SIP over WebSocket is off: set Sip:WebSocket:Port (or Phone:WebSocketUrl)."), statusCode: 503);
        });
        app.MapGet(Path + "/{asset}", (string asset, HttpContext http) => Serve(asset, http, sip, configured));
    }

    /// <summary>
    /// Where the page's WebSocket goes: Phone:WebSocketUrl when set (a cluster's edge, a reverse proxy), otherwise this
    /// server's own listener on the host the page came from: wss:// for a page loaded over https (a browser refuses
    /// ws:// there), ws:// otherwise, whichever the server has.
    /// </summary>
    internal static string? WebSocketUrl(HttpRequest request, SipOptions? sip, string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return configured.Trim();
        if (sip is null)
            return null;
        string host = request.Host.Host.Contains(':', StringComparison.Ordinal) ? $"[{request.Host.Host}]" : request.Host.Host;
        int wss = sip.WebSocket.TlsPort, ws = sip.WebSocket.Port;
        if (wss != 0 && (request.IsHttps || ws == 0))
            return $"wss://{host}:{wss.ToString(CultureInfo.InvariantCulture)}/";
        return ws != 0 && !request.IsHttps ? $"ws://{host}:{ws.ToString(CultureInfo.InvariantCulture)}/" : null;
    }

    private static IResult Serve(string asset, HttpContext http, SipOptions? sip, string? configured)
    {
        if (!Assets.TryGetValue(asset, out var file))
            return Results.NotFound();
        var headers = http.Response.Headers;
        string socket = WebSocketUrl(http.Request, sip, configured) is { } url ? " " + url.TrimEnd('/') : string.Empty;
        headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'" + socket
            + "; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return Results.Bytes(file.Bytes, file.ContentType);
    }

    private static void NoStore(HttpContext http) => http.Response.Headers.CacheControl = "no-store";

    private static FrozenDictionary<string, (string, byte[])> Load()
    {
        var assembly = typeof(PhonePage).Assembly;
        var assets = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var (name, type) in new[]
                 {
                     ("phone.html", "text/html; charset=utf-8"),
                     ("phone.css", "text/css; charset=utf-8"),
                     ("phone.js", "text/javascript; charset=utf-8"),
                 })
        {
            using var stream = assembly.GetManifestResourceStream("Phone." + name)
                ?? throw new InvalidOperationException($"The phone page's {name} is not embedded in {assembly.GetName().Name} (the build bundles phone.js with npm).");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name] = (type, copy.ToArray());
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

/// <summary>What the page needs to know: the SIP WebSocket to register on.</summary>
public sealed record PhoneConfig(string WebSocketUrl);

public sealed record PhoneProblem(string Error);
