using System.Xml;

namespace Presence.Core.Documents;

/// <summary>
/// Reads a dialog-info document (RFC 4235) into the call activity of one publication: an unanswered incoming call
/// is ringing, an established one is busy. It says nothing about reachability, so the basic status stays unknown.
/// </summary>
/// <remarks>
/// A "partial" document (RFC 4235 §4.1) is read as the full state of its publication: PUBLISH replaces the
/// publication's state as a whole (RFC 3903 §4.4), so there is nothing to merge it with.
/// </remarks>
internal sealed class DialogInfoParser : DocumentWalker<DialogInfoParser.Scope>
{
    internal enum Scope : byte { Root, Dialog, Other }

    private string? _direction;
    private bool _ringing;
    private bool _busy;

    private DialogInfoParser(XmlReader reader)
        : base(reader)
    {
    }

    public static bool TryParse(XmlReader reader, out PublishedState? state, out string error)
    {
        state = null;
        // RFC 4235 §4.1: the root is <dialog-info> and its entity attribute names the monitored user.
        if (!TryCheckRoot(reader, "dialog-info", PresenceNamespaces.DialogInfo, "dialog-info", out error))
            return false;
        var parser = new DialogInfoParser(reader);
        if (!parser.TryWalk(Scope.Root, out error))
            return false;
        // Ringing wins: an incoming call waiting for an answer is what a watcher (a receptionist) must see,
        // even while another call is going on.
        CallActivity call = parser._ringing ? CallActivity.Ringing : parser._busy ? CallActivity.Busy : CallActivity.None;
        state = new PublishedState { Call = call };
        return true;
    }

    protected override Step ReadElement(Scope parent)
    {
        if (Reader.NamespaceURI != PresenceNamespaces.DialogInfo)
            return Enter(Scope.Other);
        if (parent == Scope.Root && Reader.LocalName == "dialog")
        {
            // RFC 4235 §4.1.1: direction is "initiator" or "recipient"; it is optional.
            _direction = Reader.GetAttribute("direction")?.Trim();
            return Enter(Scope.Dialog);
        }
        if (parent == Scope.Dialog && Reader.LocalName == "state")
            return ReadState(ReadTrimmedText());
        return Enter(Scope.Other);
    }

    /// <summary>RFC 4235 §3.7.1: trying, proceeding and early precede the answer; confirmed is an established dialog.</summary>
    private Step ReadState(string state)
    {
        switch (state)
        {
            case "trying":
            case "proceeding":
            case "early":
                // An incoming call (or one of unknown direction) not answered yet rings; the user's own outgoing
                // call attempt occupies the user, so it counts as busy.
                if (_direction == "initiator")
                    _busy = true;
                else
                    _ringing = true;
                return Step.Consumed;
            case "confirmed":
                _busy = true;
                return Step.Consumed;
            case "terminated":
                return Step.Consumed;
            default:
                return Fail("invalid dialog state");
        }
    }
}
