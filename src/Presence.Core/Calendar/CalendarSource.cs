namespace Presence.Core.Calendar;

/// <summary>
/// Where a user's calendar is fetched from: an iCalendar feed URL or a CalDAV calendar collection (fetched whole with
/// GET, as Radicale and Nextcloud's <c>?export</c> give it), with the credentials to send (HTTP Basic) and what the last
/// fetch learnt: the validators for a conditional request (ETag, Last-Modified), and how the last attempts went. The
/// password is kept with the user's state and never shown by the API.
/// </summary>
public sealed record CalendarSource(
    string Url,
    string? Username,
    string? Password,
    string? ETag = null,
    string? LastModified = null,
    DateTimeOffset? LastPollAt = null,
    DateTimeOffset? LastSuccessAt = null,
    string? LastError = null,
    DateTimeOffset? LastErrorAt = null,
    int Failures = 0)
{
    /// <summary>True for an absolute http or https URL, the only kind fetched.</summary>
    public static bool IsFetchable(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}

/// <summary>What one fetch of a calendar source found.</summary>
public enum CalendarFetchStatus
{
    /// <summary>A new calendar (200), with its validators.</summary>
    Changed,

    /// <summary>The same as last time (304 to a conditional request).</summary>
    NotModified,

    /// <summary>Unreachable, refused, an error status, a timeout or too large: the last good calendar stays in force.</summary>
    Failed,
}

/// <summary>The outcome of one fetch, as the host hands it to the user's grain.</summary>
public sealed record CalendarFetch(CalendarFetchStatus Status, string? Text = null, string? ETag = null, string? LastModified = null, string? Error = null);
