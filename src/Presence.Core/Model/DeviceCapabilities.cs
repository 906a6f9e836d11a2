namespace Presence.Core.Model;

/// <summary>
/// What a device can do, as it said itself: the RFC 3840 feature parameters of its REGISTER's Contact, or the RFC 5196
/// service and device capabilities (<c>&lt;caps:servcaps&gt;</c>, <c>&lt;caps:devcaps&gt;</c>) of its PUBLISH. Voice,
/// video, real-time text, instant messages (MESSAGE among its methods), whether it is an automaton (a voicemail, a
/// bot), its duplex, mobility, description and MIME types. Null for what the device said nothing about.
/// </summary>
public sealed record DeviceCapabilities(bool? Audio, bool? Video, bool? Text, bool? Message, bool? Automata)
{
    /// <summary>RFC 5196 §3.2.12 / RFC 3840 §10.5: full, half, receive-only or send-only.</summary>
    public string? Duplex { get; init; }

    /// <summary>RFC 5196 §3.3.2 / RFC 3840 §10.4: fixed or mobile.</summary>
    public string? Mobility { get; init; }

    /// <summary>RFC 5196 §3.2.13 / RFC 3840 §10.12: the device's own words about itself ("Desk phone").</summary>
    public string? Description { get; init; }

    /// <summary>RFC 5196 §3.2.10: the MIME types it takes, lowercase "type/subtype".</summary>
    public IReadOnlyList<string>? Types { get; init; }

    /// <summary>
    /// The Contact's feature parameters as it sent them (<c>audio</c>, <c>methods="INVITE,MESSAGE"</c>,
    /// <c>+sip.newparam</c>), for caller preferences (RFC 3841), which may ask for any of them. Null for capabilities
    /// that came from a PUBLISH.
    /// </summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>True when the device said anything at all.</summary>
    public bool Any => Audio is not null || Video is not null || Text is not null || Message is not null || Automata is not null
        || Duplex is not null || Mobility is not null || Description is not null || Types is { Count: > 0 };

    /// <summary>
    /// This device's capabilities with <paramref name="newer"/> laid over them, one capability at a time: what the newer
    /// source says wins, what it leaves out stays (README "Communication capabilities", merge rules).
    /// </summary>
    public DeviceCapabilities With(DeviceCapabilities? newer)
    {
        if (newer is null)
            return this;
        return new DeviceCapabilities(
            newer.Audio ?? Audio, newer.Video ?? Video, newer.Text ?? Text, newer.Message ?? Message, newer.Automata ?? Automata)
        {
            Duplex = newer.Duplex ?? Duplex,
            Mobility = newer.Mobility ?? Mobility,
            Description = newer.Description ?? Description,
            Types = newer.Types is { Count: > 0 } ? newer.Types : Types,
            Features = Features,
        };
    }

    /// <summary>
    /// Reads RFC 3840 §9 feature parameters of a Contact, each as sent (<c>name</c> or <c>name=value</c>, the value
    /// still quoted): a tag without a value is true, <c>"FALSE"</c> or a negation false; <c>methods</c> lists MESSAGE or
    /// not. Null when none of them is one this record models and there are no features for caller preferences.
    /// </summary>
    public static DeviceCapabilities? FromFeatureParameters(IReadOnlyList<string> features)
    {
        if (features.Count == 0)
            return null;
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (string feature in features)
        {
            var (name, value) = SplitParameter(feature);
            values.TryAdd(name, value);
        }
        bool? Bool(string tag)
        {
            if (!values.TryGetValue(tag, out string? value))
                return null;
            return !(value is not null && (value.Equals("FALSE", StringComparison.OrdinalIgnoreCase) || value.StartsWith('!')));
        }
        string? Token(string tag, params string[] allowed)
        {
            if (!values.TryGetValue(tag, out string? value) || value is null)
                return null;
            // A list ("fixed,mobile") says the device is either: only a single, positive value is a fact about it.
            string v = value.Trim().ToLowerInvariant();
            return Array.IndexOf(allowed, v) >= 0 ? v : null;
        }
        bool? message = values.TryGetValue("methods", out string? methods)
            ? (methods ?? string.Empty).Split(',', StringSplitOptions.TrimEntries).Contains("MESSAGE", StringComparer.OrdinalIgnoreCase)
            : null;
        string? description = values.TryGetValue("description", out string? d) && d is not null ? d.Trim().Trim('<', '>').Trim() : null;
        return new DeviceCapabilities(Bool("audio"), Bool("video"), Bool("text"), message, Bool("automata"))
        {
            Duplex = Token("duplex", "full", "half", "receive-only", "send-only"),
            Mobility = Token("mobility", "fixed", "mobile"),
            Description = string.IsNullOrEmpty(description) ? null : description,
            Features = features.ToArray(),
        };
    }

    /// <summary>
    /// RFC 3841 §8: whether a Contact parameter is a feature parameter: one of RFC 3840's base tags or a name with a
    /// leading plus. <c>+sip.instance</c> names the device (RFC 5626) and says nothing about what it can do.
    /// </summary>
    public static bool IsFeatureParameter(string name) =>
        name.StartsWith('+') ? !name.Equals("+sip.instance", StringComparison.OrdinalIgnoreCase) : Array.IndexOf(BaseTags, name.ToLowerInvariant()) >= 0;

    /// <summary>RFC 3840 §9: the tags written without "sip." in a Contact.</summary>
    internal static readonly string[] BaseTags =
        ["audio", "automata", "class", "duplex", "data", "control", "mobility", "description", "events", "priority", "methods",
         "schemes", "application", "video", "actor", "isfocus", "extensions", "text"];

    /// <summary>One feature parameter as sent (<c>name</c> or <c>name=value</c>): its name and its value, unquoted; null for a flag.</summary>
    internal static (string Name, string? Value) SplitParameter(string parameter)
    {
        int eq = parameter.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
            return (parameter.Trim(), null);
        string value = parameter[(eq + 1)..].Trim();
        return (parameter[..eq].Trim(), value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value);
    }
}
