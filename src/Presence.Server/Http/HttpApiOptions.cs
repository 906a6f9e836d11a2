using Microsoft.Extensions.Options;

namespace Presence.Server.Http;

/// <summary>The "Http" configuration section: where the HTTP API listens and the tokens it takes.</summary>
public sealed class HttpApiOptions
{
    public const string Section = "Http";

    /// <summary>Addresses to listen on (default http://127.0.0.1:8080: loopback only, SPEC.md "Who may see what").
    /// Several are separated by ';'.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>The operator's bearer token: every call. When empty, one is generated at first start and kept in
    /// the data folder (file "api-token", readable only by the server's user); its path is logged.</summary>
    public string Token { get; set; } = string.Empty;

    /// <summary>A read-only bearer token for integrators: GET calls only, anything else is 403 (default empty: none).</summary>
    public string ReadToken { get; set; } = string.Empty;
}

/// <summary>Refuses tokens that could never be sent, or that would make the read-only scope meaningless.</summary>
public sealed class HttpApiOptionsValidator : IValidateOptions<HttpApiOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpApiOptions options)
    {
        var failures = new List<string>();
        foreach (var (key, token) in new[] { ("Token", options.Token.Trim()), ("ReadToken", options.ReadToken.Trim()) })
        {
            if (token.Length > 0 && !IsBearerToken(token))
                failures.Add($"Http:{key} may only hold letters, digits and - . _ ~ + / (then '=' padding), as a bearer token does.");
        }
        if (options.ReadToken.Trim().Length > 0 && options.ReadToken.Trim() == options.Token.Trim())
            failures.Add("Http:ReadToken must differ from Http:Token, or the read-only token could change everything.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    private static bool IsBearerToken(string token)
    {
        string body = token.TrimEnd('=');
        return body.Length > 0 && body.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '+' or '/');
    }
}
