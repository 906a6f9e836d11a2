using System.Globalization;
using Presence.Sip.Headers;

namespace Presence.Sip.Message;

/// <summary>
/// Typed reads of the headers presence needs. Each parses on demand and returns null (or false with a
/// reason) for a value that does not follow its grammar, so callers answer 400 with that reason.
/// </summary>
public static class SipMessageHeaders
{
    public static NameAddress? GetFrom(this SipMessage message) => ParseAddress(message.GetFirst(HeaderId.From));

    public static NameAddress? GetTo(this SipMessage message) => ParseAddress(message.GetFirst(HeaderId.To));

    /// <summary>Expires (RFC 3261 §20.19): delta-seconds, capped at 2^31-1; null when absent or malformed.</summary>
    public static int? GetExpires(this SipMessage message) => ParseSeconds(message.GetFirst(HeaderId.Expires));

    /// <summary>Min-Expires (RFC 3261 §20.23).</summary>
    public static int? GetMinExpires(this SipMessage message) => ParseSeconds(message.GetFirst(HeaderId.MinExpires));

    /// <summary>True when an Expires header is present but not a number (a 400, not a default).</summary>
    public static bool HasMalformedExpires(this SipMessage message) =>
        message.GetFirst(HeaderId.Expires) is { } text && ParseSeconds(text) is null;

    public static bool TryGetContacts(this SipMessage message, out ContactHeader? contacts, out string error) =>
        ContactHeader.TryParse(message.GetFields(HeaderId.Contact), out contacts, out error);

    public static EventHeader? GetEvent(this SipMessage message) =>
        message.GetFirst(HeaderId.Event) is { } text && EventHeader.TryParse(text, out var value, out _) ? value : null;

    public static SubscriptionStateHeader? GetSubscriptionState(this SipMessage message) =>
        message.GetFirst(HeaderId.SubscriptionState) is { } text && SubscriptionStateHeader.TryParse(text, out var value, out _) ? value : null;

    public static MediaType? GetContentType(this SipMessage message) =>
        message.GetFirst(HeaderId.ContentType) is { } text && MediaType.TryParse(text, out var value, out _) ? value : null;

    /// <summary>The addresses of a list header (Route, Record-Route, Path) in order; false on the first bad one.</summary>
    public static bool TryGetAddresses(this SipMessage message, HeaderId id, out List<NameAddress> addresses, out string error)
    {
        addresses = [];
        error = string.Empty;
        foreach (string value in message.GetValues(id))
        {
            if (!NameAddress.TryParse(value, out var address, out error))
                return false;
            addresses.Add(address!);
        }
        return true;
    }

    /// <summary>Option tags or tokens of a list header (Supported, Require, Allow-Events, Allow), in order.</summary>
    public static List<string> GetTokens(this SipMessage message, HeaderId id) => message.GetValues(id).ToList();

    public static IEnumerable<WarningHeader> GetWarnings(this SipMessage message)
    {
        foreach (string value in message.GetValues(HeaderId.Warning))
        {
            if (WarningHeader.TryParse(value, out var warning, out _))
                yield return warning;
        }
    }

    public static ReasonHeader? GetReason(this SipMessage message) =>
        message.GetFirst(HeaderId.Reason) is { } text && ReasonHeader.TryParse(text, out var value, out _) ? value : null;

    public static RetryAfterHeader? GetRetryAfter(this SipMessage message) =>
        message.GetFirst(HeaderId.RetryAfter) is { } text && RetryAfterHeader.TryParse(text, out var value, out _) ? value : null;

    private static NameAddress? ParseAddress(string? text) =>
        text is not null && NameAddress.TryParse(text, out var address, out _) ? address : null;

    private static int? ParseSeconds(string? text)
    {
        if (text is null)
            return null;
        ReadOnlySpan<char> digits = text.AsSpan().Trim(" \t");
        if (digits.IsEmpty || digits.Length > 20 || !ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value))
            return null;
        return (int)Math.Min(value, int.MaxValue);
    }
}
