using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Presence.Server.Dashboard;

/// <summary>
/// The dashboard's page, stylesheet and script: plain files embedded in the assembly, served as they are. They hold
/// no data and need no token; every figure comes from the API, which does. The policy headers let the page load
/// only its own script and style and talk only to its own origin, so a note a user published can never run as code.
/// </summary>
internal static class DashboardPage
{
    public const string Path = "/dashboard";

    /// <summary>Only this origin; no inline script or style, no frames, no forms posting elsewhere.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, (string ContentType, byte[] Bytes)> Assets = Load();

    public static IResult Serve(string asset, HttpContext http)
    {
        if (!Assets.TryGetValue(asset, out var file))
            return Results.NotFound();
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // The token may sit in the address's fragment for a moment: never send the address anywhere.
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return Results.Bytes(file.Bytes, file.ContentType);
    }

    private static FrozenDictionary<string, (string, byte[])> Load()
    {
        var assembly = typeof(DashboardPage).Assembly;
        var assets = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var (name, type) in new[]
                 {
                     ("dashboard.html", "text/html; charset=utf-8"),
                     ("dashboard.css", "text/css; charset=utf-8"),
                     ("dashboard.js", "text/javascript; charset=utf-8"),
                 })
        {
            using var stream = assembly.GetManifestResourceStream("Dashboard." + name)
                ?? throw new InvalidOperationException($"The dashboard's {name} is not embedded in {assembly.GetName().Name}.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name] = (type, copy.ToArray());
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
