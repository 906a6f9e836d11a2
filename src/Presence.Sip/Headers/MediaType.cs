namespace Presence.Sip.Headers;

/// <summary>Content-Type / Accept value (RFC 3261 §20.15): type "/" subtype, parameters.</summary>
public sealed class MediaType
{
    public MediaType(string type, string subtype, SipParameters? parameters = null)
    {
        Type = type.ToLowerInvariant();
        Subtype = subtype.ToLowerInvariant();
        Parameters = parameters ?? new SipParameters();
    }

    public string Type { get; }

    public string Subtype { get; }

    public SipParameters Parameters { get; }

    /// <summary>"type/subtype" in lower case, without parameters.</summary>
    public string Name => Type + "/" + Subtype;

    public static bool TryParse(string text, out MediaType? value, out string error)
    {
        value = null;
        var scanner = new SipScanner(text);
        scanner.SkipWhiteSpace();
        ReadOnlySpan<char> type = scanner.ReadToken();
        if (type.IsEmpty || !scanner.TryConsume('/'))
        {
            error = "malformed media type";
            return false;
        }
        ReadOnlySpan<char> subtype = scanner.ReadToken();
        if (subtype.IsEmpty)
        {
            error = "malformed media subtype";
            return false;
        }
        var parameters = new SipParameters();
        if (!SipParameters.TryReadToEnd(ref scanner, parameters, "media type", out error))
            return false;
        value = new MediaType(type.ToString(), subtype.ToString(), parameters);
        return true;
    }

    public bool Is(string name) => string.Equals(Name, name, StringComparison.OrdinalIgnoreCase);

    public override string ToString()
    {
        var b = new System.Text.StringBuilder(Name);
        Parameters.AppendTo(b);
        return b.ToString();
    }
}
