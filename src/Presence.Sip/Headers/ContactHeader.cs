namespace Presence.Sip.Headers;

/// <summary>
/// A Contact header value (RFC 3261 §20.10): either "*" (only with Expires: 0 in a REGISTER, §10.2.2)
/// or a list of addresses with their expires and q parameters.
/// </summary>
public sealed class ContactHeader
{
    private ContactHeader(bool isWildcard, IReadOnlyList<NameAddress> contacts)
    {
        IsWildcard = isWildcard;
        Contacts = contacts;
    }

    public bool IsWildcard { get; }

    public IReadOnlyList<NameAddress> Contacts { get; }

    public static ContactHeader Wildcard { get; } = new(true, []);

    public static ContactHeader Of(params NameAddress[] contacts) => new(false, contacts);

    /// <summary>Parses all Contact fields of a message (each may itself be a comma list).</summary>
    public static bool TryParse(IEnumerable<string> fields, out ContactHeader? header, out string error)
    {
        header = null;
        error = string.Empty;
        var contacts = new List<NameAddress>();
        bool wildcard = false;
        foreach (string field in fields)
        {
            if (field.AsSpan().Trim(" \t").SequenceEqual("*"))
            {
                wildcard = true;
                continue;
            }
            var scanner = new SipScanner(field);
            while (true)
            {
                if (!NameAddress.TryRead(ref scanner, out var address, out error))
                {
                    error = "malformed Contact: " + error;
                    return false;
                }
                contacts.Add(address!);
                scanner.SkipWhiteSpace();
                if (scanner.AtEnd)
                    break;
                if (!scanner.TryConsume(','))
                {
                    error = "malformed Contact: unexpected text after address";
                    return false;
                }
            }
        }
        if (wildcard && contacts.Count > 0)
        {
            error = "Contact '*' mixed with addresses";
            return false;
        }
        header = wildcard ? Wildcard : new ContactHeader(false, contacts);
        return true;
    }

    /// <summary>The expires parameter of one contact as seconds, or null when it has none or it is not a number.</summary>
    public static int? ExpiresOf(NameAddress contact) =>
        contact.Parameters["expires"] is { } text && uint.TryParse(text, System.Globalization.NumberStyles.None, null, out uint v)
            ? (int)Math.Min(v, int.MaxValue)
            : null;

    /// <summary>The q parameter (RFC 3261 §20.10: 0 to 1, up to three decimals), or null when absent or malformed.</summary>
    public static double? QOf(NameAddress contact) =>
        contact.Parameters["q"] is { } text
        && double.TryParse(text, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out double q)
        && q is >= 0 and <= 1
            ? q
            : null;

    public override string ToString() => IsWildcard ? "*" : string.Join(", ", Contacts);
}
