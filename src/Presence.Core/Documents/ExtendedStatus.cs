namespace Presence.Core.Documents;

/// <summary>
/// The five composite values of SPEC.md "Composite status". Watchers that know the project's extension read
/// them from &lt;po:extended&gt;; the others see basic open (Available, Busy, Ringing) or closed.
/// </summary>
public enum ExtendedStatus
{
    Available,
    Busy,
    Ringing,
    DoNotDisturb,
    Unreachable,
}
