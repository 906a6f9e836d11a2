using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Presence.Core;
using Presence.Core.Calendar;
using Presence.Grains.Notify;
using Presence.Server.Telemetry;

namespace Presence.Server.Calendar;

/// <summary>
/// Fetches users' calendar sources over HTTP(S): a GET with the validators of the last fetch (If-None-Match,
/// If-Modified-Since), HTTP Basic credentials when the source has them, at most 15 s and 1 MiB, and at most
/// <see cref="PresenceOptions.CalendarMaxConcurrentFetches"/> at once per process. Counted in
/// <c>presence.calendar.fetches{outcome=changed|not_modified|failed}</c>.
/// </summary>
public sealed class CalendarFetcher : ICalendarFetcher, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private const string NoAnswer = "no answer: ";

    private readonly HttpClient _http;
    private readonly SemaphoreSlim _slots;
    private readonly Counter<long> _fetches;

    private readonly CalendarSecrets _secrets;

    public CalendarFetcher(PresenceOptions options, PresenceMetrics metrics, CalendarSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(options);
        _secrets = secrets;
        ArgumentNullException.ThrowIfNull(metrics);
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 3,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        { Timeout = Timeout, MaxResponseContentBufferSize = CalendarSchedule.MaxLength * 4L };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Presence.Orleans/0.1");
        _slots = new SemaphoreSlim(Math.Max(1, options.CalendarMaxConcurrentFetches));
        _fetches = metrics.Meter.CreateCounter<long>(
            "presence.calendar.fetches", "{fetch}", "Fetches of users' calendar sources, by outcome (changed, not_modified, failed).");
    }

    public async Task<CalendarFetch> FetchAsync(CalendarSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await FetchOnceAsync(source, cancellationToken).ConfigureAwait(false);
            // Once more when the request never got an answer (a pooled connection the server had just closed; HTTP/1.0
            // servers such as Radicale's close every one): a GET may be sent again.
            if (result.Status == CalendarFetchStatus.Failed && result.Error?.StartsWith(NoAnswer, StringComparison.Ordinal) == true)
                result = await FetchOnceAsync(source, cancellationToken).ConfigureAwait(false);
            _fetches.Add(1, new KeyValuePair<string, object?>("outcome", result.Status switch
            {
                CalendarFetchStatus.Changed => "changed",
                CalendarFetchStatus.NotModified => "not_modified",
                _ => "failed",
            }));
            return result;
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<CalendarFetch> FetchOnceAsync(CalendarSource source, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, source.Url);
        request.Headers.Accept.ParseAdd("text/calendar");
        if (source.Username is { } user)
        {
            string? password = source.Password is { } stored ? _secrets.Unprotect(stored) : string.Empty;
            if (password is null)
                return new CalendarFetch(CalendarFetchStatus.Failed,
                    Error: $"the stored password cannot be read with this member's key (give every member the same {CalendarSecrets.Setting})");
            string pair = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", pair);
        }
        if (source.ETag is { } etag && EntityTagHeaderValue.TryParse(etag, out var tag))
            request.Headers.IfNoneMatch.Add(tag);
        if (source.LastModified is { } modified && DateTimeOffset.TryParse(modified, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var since))
            request.Headers.IfModifiedSince = since;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotModified)
                return new CalendarFetch(CalendarFetchStatus.NotModified);
            if (!response.IsSuccessStatusCode)
                return new CalendarFetch(CalendarFetchStatus.Failed, Error: $"{(int)response.StatusCode} {response.ReasonPhrase} from the source");
            if (response.Content.Headers.ContentLength > CalendarSchedule.MaxLength * 4L)
                return new CalendarFetch(CalendarFetchStatus.Failed, Error: "the source's calendar is too large");
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (text.Length > CalendarSchedule.MaxLength)
                return new CalendarFetch(CalendarFetchStatus.Failed, Error: "the source's calendar is too large");
            return new CalendarFetch(CalendarFetchStatus.Changed, text, response.Headers.ETag?.ToString(),
                response.Content.Headers.LastModified?.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (HttpRequestException ex)
        {
            return new CalendarFetch(CalendarFetchStatus.Failed, Error: NoAnswer + (ex.InnerException?.Message ?? ex.Message));
        }
        catch (Exception ex) when (ex is TaskCanceledException or InvalidOperationException)
        {
            return new CalendarFetch(CalendarFetchStatus.Failed, Error: ex is TaskCanceledException ? "the source did not answer within 15 s" : ex.Message);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _slots.Dispose();
    }
}
