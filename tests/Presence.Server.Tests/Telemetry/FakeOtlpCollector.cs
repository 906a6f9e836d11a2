using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Presence.Server.Tests.Telemetry;

/// <summary>
/// An OpenTelemetry collector's OTLP/HTTP receiver, as much as a test needs: it keeps every export request's path and
/// body and answers 200 with an empty (valid) protobuf response. Strings in OTLP protobuf (names, attribute values,
/// log messages) are plain UTF-8 in the body, so a test looks for them there.
/// </summary>
internal sealed class FakeOtlpCollector : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(string Path, byte[] Body)> _received = new();
    private readonly Task _loop;

    public FakeOtlpCollector()
    {
        int port = Infrastructure.ServerProcess.FreePort("127.0.0.1");
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    /// <summary>Waits until an export to <paramref name="path"/> ("/v1/traces") contains every one of <paramref name="texts"/>.</summary>
    public async Task<byte[]> WaitForAsync(string path, TimeSpan timeout, params string[] texts)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var (p, body) in _received)
            {
                string text = Encoding.UTF8.GetString(body);
                if (p == path && texts.All(t => text.Contains(t, StringComparison.Ordinal)))
                    return body;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException(
            $"No export to {path} with {string.Join(", ", texts)} within {timeout}; received: {string.Join(", ", _received.Select(r => $"{r.Path} ({r.Body.Length} B)"))}");
    }

    public IReadOnlyList<string> Paths => _received.Select(r => r.Path).ToList();

    /// <summary>Every export to <paramref name="path"/> that contains <paramref name="text"/> (a service name, say).</summary>
    public IReadOnlyList<byte[]> Bodies(string path, string text) =>
        _received.Where(r => r.Path == path && Encoding.UTF8.GetString(r.Body).Contains(text, StringComparison.Ordinal)).Select(r => r.Body).ToList();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            _received.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
