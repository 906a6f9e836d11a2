namespace Presence.Core.Model;

/// <summary>
/// What a device can do (RFC 3840 feature tags a REGISTER's Contact carries; RFC 5196 service capabilities): voice,
/// video, text (real-time text), instant messages (MESSAGE among its methods), and whether it is an automaton (a
/// voicemail, a bot). Null for a capability the device did not say anything about.
/// </summary>
public sealed record DeviceCapabilities(bool? Audio, bool? Video, bool? Text, bool? Message, bool? Automata)
{
    /// <summary>True when the device said anything at all.</summary>
    public bool Any => Audio is not null || Video is not null || Text is not null || Message is not null || Automata is not null;
}
