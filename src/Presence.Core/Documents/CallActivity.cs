namespace Presence.Core.Documents;

/// <summary>What one publication says about the user's calls (SPEC "session state").</summary>
public enum CallActivity
{
    /// <summary>The publication says nothing about calls, or no call is going on.</summary>
    None,

    /// <summary>An incoming call is not answered yet (RFC 4235 dialog in an early state, recipient side).</summary>
    Ringing,

    /// <summary>The user is in at least one session (RFC 4235 confirmed dialog, or RPID on-the-phone).</summary>
    Busy,
}
