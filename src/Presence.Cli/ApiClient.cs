using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Presence.Cli;

/// <summary>
/// The HTTP API as presencectl calls it: the bearer token on every call, JSON in and out, and every way a call can
/// fail turned into an <see cref="CliFailure"/> with its exit code, so that commands only handle success.
/// </summary>
public sealed class ApiClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly bool _hasToken;
    private readonly string? _token;

    public ApiClient(Uri server, string? token)
    {
        Server = server;
        _token = token;
        _hasToken = !string.IsNullOrEmpty(token);
        // No timeout on the client itself: an event stream stays open for as long as it is watched; plain calls
        // get theirs per request.
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = server,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (_hasToken)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri Server { get; }

    /// <summary>A client for another member of the cluster, with the same token.</summary>
    public ApiClient For(Uri server) => new(server, _token);

    // Paths are relative ("api/..."), so that a server behind a reverse proxy's prefix (https://host/presence/) works.

    /// <summary>The API path of a user: "alice@example.com" or "sip:alice@example.com", escaped as one segment.</summary>
    public static string UserPath(string user, string rest = "") => "api/users/" + Uri.EscapeDataString(user.Trim()) + rest;

    public Task<ApiResponse> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<ApiResponse> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct) =>
        SendTextAsync(method, path, body is null ? null : JsonSerializer.Serialize(body, JsonSerializerOptions.Web), "application/json", null, ct);

    /// <summary>One call with a text body of its type (JSON, or RFC 4826 XML for lists) and, when given, an Accept.</summary>
    public async Task<ApiResponse> SendTextAsync(HttpMethod method, string path, string? body, string? contentType, string? accept, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, contentType ?? "text/plain");
        if (accept is not null)
            request.Headers.Accept.ParseAdd(accept);
        return await GuardAsync(RequestTimeout, async token =>
        {
            using var response = await _http.SendAsync(request, token);
            string text = await response.Content.ReadAsStringAsync(token);
            if (!response.IsSuccessStatusCode)
                throw CliFailure.FromResponse(response.StatusCode, response.ReasonPhrase, text, _hasToken);
            return new ApiResponse(text);
        }, ct);
    }

    /// <summary>Opens a text/event-stream; the response is the caller's to dispose.</summary>
    public Task<HttpResponseMessage> OpenStreamAsync(string path, CancellationToken ct) =>
        GuardAsync(Timeout.InfiniteTimeSpan, async token =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.ParseAdd("text/event-stream");
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            if (response.IsSuccessStatusCode)
                return response;
            using (response)
                throw CliFailure.FromResponse(response.StatusCode, response.ReasonPhrase, await response.Content.ReadAsStringAsync(token), _hasToken);
        }, ct);

    /// <summary>
    /// Runs a call with its time limit and says why it failed in the exit code's terms. Ctrl+C (the caller's own
    /// token) is not a failure of the server, so it passes through as cancellation.
    /// </summary>
    private async Task<T> GuardAsync<T>(TimeSpan limit, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        try
        {
            return await call(timeout.Token);
        }
        catch (HttpRequestException e)
        {
            string why = e.InnerException is SocketException socket ? socket.Message : e.Message;
            throw new CliFailure(ExitCodes.Unavailable, $"cannot reach {Server}: {why}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliFailure(ExitCodes.Unavailable, $"{Server} did not answer within {limit.TotalSeconds:0} s");
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A successful answer: its body as the server sent it (for --json) and as typed values.</summary>
public sealed class ApiResponse(string text)
{
    public string Text { get; } = text;

    public T Read<T>()
    {
        try
        {
            return JsonSerializer.Deserialize<T>(Text, JsonSerializerOptions.Web)
                ?? throw new CliFailure(ExitCodes.Unavailable, "the server's answer was empty");
        }
        catch (JsonException e)
        {
            // An answer that is not the API's JSON means something else is listening there.
            throw new CliFailure(ExitCodes.Unavailable, "the server's answer is not the JSON expected: " + e.Message);
        }
    }
}
