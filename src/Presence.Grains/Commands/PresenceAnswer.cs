using Presence.Core.Composite;
using Presence.Core.Presentity;

namespace Presence.Grains.Commands;

/// <summary>A registered contact as a REGISTER's 200 lists it (RFC 3261 §10.3 step 8).</summary>
[GenerateSerializer, Immutable]
public sealed record BindingValue([property: Id(0)] string ContactUri, [property: Id(1)] DateTimeOffset ExpiresAt, [property: Id(2)] double Q)
{
    public int SecondsLeft(DateTimeOffset now) => (int)Math.Max(0, Math.Ceiling((ExpiresAt - now).TotalSeconds));
}

/// <summary>A contact of a 302, in the order a caller should try it.</summary>
[GenerateSerializer, Immutable]
public sealed record RedirectValue([property: Id(0)] string Uri, [property: Id(1)] double Priority);

/// <summary>
/// What a command's turn answers, once its changes are durable: the SIP node turns it into the response. The
/// NOTIFYs the turn caused do not ride here: the grain hands them to the nodes that hold the watchers' flows.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PresenceAnswer(
    [property: Id(0)] int StatusCode,
    [property: Id(1)] string? Reason = null,
    [property: Id(2)] BindingValue[]? Bindings = null,
    [property: Id(3)] string? EntityTag = null,
    [property: Id(4)] int? Expires = null,
    [property: Id(5)] int? MinExpires = null,
    [property: Id(6)] RedirectValue[]? Redirect = null,
    [property: Id(7)] string? Comment = null,
    [property: Id(8)] string? NotifierTag = null,
    [property: Id(9)] string[]? Accept = null)
{
    /// <summary>Nothing acknowledged that is not stored: what a turn answers when its write failed.</summary>
    public static PresenceAnswer NotStored { get; } = new(500, "Presence State Could Not Be Stored");

    /// <summary>A turn that answers nothing of its own (due work, a NOTIFY's outcome).</summary>
    public static PresenceAnswer Ok { get; } = new(200);

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    public static PresenceAnswer From(PresenceOutcome outcome) => new(
        outcome.StatusCode,
        outcome.Reason,
        outcome.Bindings?.Select(b => new BindingValue(b.ContactUri, b.ExpiresAt, b.Q)).ToArray(),
        outcome.EntityTag,
        outcome.Expires,
        outcome.MinExpires,
        outcome.Redirect?.Select(Redirected).ToArray(),
        outcome.Comment,
        outcome.NotifierTag,
        outcome.Accept?.ToArray());

    private static RedirectValue Redirected(ReachableContact contact) => new(contact.Uri, contact.Priority);
}
