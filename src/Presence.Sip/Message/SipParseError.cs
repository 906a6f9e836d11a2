namespace Presence.Sip.Message;

/// <summary>
/// Why a message was rejected: the status code to answer with (400, 505, 513) and a reason phrase that
/// names the problem, so the sender can tell what was wrong from the response alone.
/// </summary>
public readonly record struct SipParseError(int StatusCode, string Reason)
{
    public bool IsError => StatusCode != 0;

    public static SipParseError None => default;

    public override string ToString() => IsError ? $"{StatusCode} {Reason}" : "no error";
}
