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
    internal enum Scope : byte { Root, Dialog, Remote, Other }

    private string? _direction;
    private bool _ringing;
    private bool _busy;
    // The dialogs as read, for the dialog package's NOTIFYs; filled in as their children come.
    private readonly List<DialogBuilder> _dialogs = [];

    private sealed class DialogBuilder
    {
        public required string Id;
        public string? CallId, LocalTag, RemoteTag, Direction, RemoteIdentity;
        public string State = "trying";
    }

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
        state = new PublishedState
        {
            Call = call,
            Dialogs = [.. parser._dialogs.Select(d => new DialogEntry(d.Id, d.CallId, d.LocalTag, d.RemoteTag, d.Direction, d.State, d.RemoteIdentity))],
        };
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
            _dialogs.Add(new DialogBuilder
            {
                // RFC 4235 §4.1.1 makes id mandatory; one without it still counts, under a made-up id.
                Id = Reader.GetAttribute("id")?.Trim() is { Length: > 0 } id ? id : "dialog-" + (_dialogs.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                CallId = Reader.GetAttribute("call-id")?.Trim(),
                LocalTag = Reader.GetAttribute("local-tag")?.Trim(),
                RemoteTag = Reader.GetAttribute("remote-tag")?.Trim(),
                Direction = _direction is "initiator" or "recipient" ? _direction : null,
            });
            return Enter(Scope.Dialog);
        }
        // RFC 4235's states are lower case; Kamailio's pua_dialoginfo writes a caller's first one as "Trying".
        if (parent == Scope.Dialog && Reader.LocalName == "state")
            return ReadState(ReadTrimmedText().ToLowerInvariant());
        if (parent == Scope.Dialog && Reader.LocalName == "remote")
            return Enter(Scope.Remote);
        if (parent == Scope.Remote && Reader.LocalName == "identity")
        {
            string identity = ReadTrimmedText();
            if (identity.Length > 0 && UriText.IsPlausible(identity))
                _dialogs[^1].RemoteIdentity = identity;
            return Step.Consumed;
        }
        return Enter(Scope.Other);
    }

    /// <summary>RFC 4235 §3.7.1: trying, proceeding and early precede the answer; confirmed is an established dialog.</summary>
    private Step ReadState(string state)
    {
        if (_dialogs.Count > 0 && state is "trying" or "proceeding" or "early" or "confirmed" or "terminated")
            _dialogs[^1].State = state;
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
