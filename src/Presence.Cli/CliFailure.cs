using System.Net;
using System.Text.Json;

namespace Presence.Cli;

/// <summary>
/// Why a command ends without doing its work: the exit code it means (see <see cref="ExitCodes"/>) and a one-line
/// message, carrying the server's own words when it gave any. Commands throw it and only handle success.
/// </summary>
public sealed class CliFailure(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>The server answered, but not with a 2xx: 404 is "not found", other 4xx "refused", 5xx "unavailable".</summary>
    public static CliFailure FromResponse(HttpStatusCode status, string? reason, string body, bool sentToken)
    {
        int code = (int)status;
        int exit = code switch
        {
            404 => ExitCodes.NotFound,
            >= 400 and < 500 => ExitCodes.Refused,
            _ => ExitCodes.Unavailable,
        };
        string detail = ProblemOf(body) ?? (code == 404 ? "no such thing here" : "no explanation given");
        string message = $"server said {code} {(string.IsNullOrWhiteSpace(reason) ? status.ToString() : reason)}: {detail}";
        if (code == 401 && !sentToken)
            message += " (no token given: use --token, --token-file or PRESENCE_TOKEN)";
        return new CliFailure(exit, message);
    }

    // The API's errors are {"error": "..."}; anything else (a proxy's HTML page) is not repeated to the user.
    private static string? ProblemOf(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
            return null;
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
                ? error.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
