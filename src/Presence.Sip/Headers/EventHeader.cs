namespace Presence.Sip.Headers;

/// <summary>Event (RFC 6665 §8.2.1): an event package with optional templates ("presence.winfo") and an id.</summary>
public sealed class EventHeader
{
    public EventHeader(string package, SipParameters? parameters = null)
    {
        Package = package;
        Parameters = parameters ?? new SipParameters();
    }

    /// <summary>The event type, package and templates, compared case-insensitively ("presence", "presence.winfo").</summary>
    public string Package { get; }

    public SipParameters Parameters { get; }

    public string? Id => Parameters["id"];

    public static bool TryParse(string text, out EventHeader? value, out string error)
    {
        value = null;
        var scanner = new SipScanner(text);
        scanner.SkipWhiteSpace();
        ReadOnlySpan<char> package = scanner.ReadToken();
        if (package.IsEmpty)
        {
            error = "missing event package";
            return false;
        }
        var parameters = new SipParameters();
        if (!SipParameters.TryReadToEnd(ref scanner, parameters, "Event", out error))
            return false;
        value = new EventHeader(package.ToString(), parameters);
        return true;
    }

    /// <summary>RFC 6665 §8.2.1: two Event values match when type and id match.</summary>
    public bool Matches(EventHeader other) =>
        string.Equals(Package, other.Package, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Id, other.Id, StringComparison.Ordinal);

    public override string ToString()
    {
        var b = new System.Text.StringBuilder(Package);
        Parameters.AppendTo(b);
        return b.ToString();
    }
}
