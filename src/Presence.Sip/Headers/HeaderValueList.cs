namespace Presence.Sip.Headers;

/// <summary>
/// Splits a header value that is a comma-separated list (RFC 3261 §7.3.1). Commas inside a quoted string
/// or between angle brackets belong to the element, not to the list.
/// </summary>
public static class HeaderValueList
{
    public static List<string> Split(string value)
    {
        var items = new List<string>(1);
        bool quoted = false, angle = false;
        int start = 0;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (quoted)
            {
                if (c == '\\') i++;
                else if (c == '"') quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == '<') angle = true;
            else if (c == '>') angle = false;
            else if (c == ',' && !angle)
            {
                Add(items, value, start, i);
                start = i + 1;
            }
        }
        Add(items, value, start, value.Length);
        return items;
    }

    private static void Add(List<string> items, string value, int start, int end)
    {
        ReadOnlySpan<char> item = value.AsSpan(start, end - start).Trim(" \t");
        if (!item.IsEmpty)
            items.Add(item.Length == value.Length ? value : item.ToString());
    }
}
