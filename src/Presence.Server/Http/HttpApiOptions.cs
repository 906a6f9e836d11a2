namespace Presence.Server.Http;

/// <summary>The "Http" configuration section: where the HTTP API listens and the token it wants.</summary>
public sealed class HttpApiOptions
{
    public const string Section = "Http";

    /// <summary>Addresses to listen on (default http://127.0.0.1:8080: loopback only, SPEC.md "Who may see what").
    /// Several are separated by ';'.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>The bearer token every API call must carry. When empty, one is generated at first start and kept
    /// in the data folder (file "api-token", readable only by the server's user); its path is logged.</summary>
    public string Token { get; set; } = string.Empty;
}
