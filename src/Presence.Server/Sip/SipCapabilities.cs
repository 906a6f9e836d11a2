namespace Presence.Server.Sip;

/// <summary>
/// What this server supports, in one place, so that OPTIONS, 405 and 420 answers agree with what the
/// handlers really do. Handlers add themselves as they are registered.
/// </summary>
public sealed class SipCapabilities
{
    private readonly List<string> _methods = ["OPTIONS", "ACK", "CANCEL"];
    private readonly List<string> _eventPackages = [];
    private readonly List<string> _accept = [];
    private readonly List<string> _optionTags = [];

    public IReadOnlyList<string> Methods => _methods;

    public IReadOnlyList<string> EventPackages => _eventPackages;

    public IReadOnlyList<string> Accept => _accept;

    /// <summary>Option tags for Supported (RFC 3261 §20.37) and the Require check (§8.2.2.3).</summary>
    public IReadOnlyList<string> OptionTags => _optionTags;

    public void AddMethod(string method) => AddOnce(_methods, method);

    public void AddEventPackage(string package) => AddOnce(_eventPackages, package);

    public void AddAccept(string mediaType) => AddOnce(_accept, mediaType);

    public void AddOptionTag(string tag) => AddOnce(_optionTags, tag);

    public bool SupportsOptionTag(string tag) => _optionTags.Contains(tag, StringComparer.OrdinalIgnoreCase);

    private static void AddOnce(List<string> list, string value)
    {
        if (!list.Contains(value, StringComparer.OrdinalIgnoreCase))
            list.Add(value);
    }
}
