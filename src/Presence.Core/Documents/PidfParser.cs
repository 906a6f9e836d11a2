using System.Xml;

namespace Presence.Core.Documents;

/// <summary>
/// Reads one PIDF document (RFC 3863) with the data model (RFC 4479), RPID (RFC 4480) and the project's extension
/// into a <see cref="PublishedState"/>.
/// </summary>
/// <remarks>
/// Policy: be liberal with the standard elements real clients send (an unknown basic value or a contact with a bad
/// priority is passed over: baresip publishes "unknown" before it has registered), and strict with the project's
/// extension, whose writers are our own users, who must learn from the 400 what they got wrong.
/// </remarks>
internal sealed class PidfParser : DocumentWalker<PidfParser.Scope>
{
    /// <summary>Where an element stands, which decides what a child with a given name means.</summary>
    internal enum Scope : byte { Presence, Tuple, Status, Person, Device, Activities, ServCaps, DevCaps, Duplex, Mobility, DuplexSupported, MobilitySupported, Other }

    private bool _anyOpen;
    private bool _anyClosed;
    private string? _note;
    private string? _activityNote;
    private readonly List<string> _activities = [];
    private readonly HashSet<string> _seenActivities = new(StringComparer.Ordinal);
    private bool _doNotDisturb;
    private string? _dndComment;
    private readonly List<AlternativeContact> _alternatives = [];
    private string? _voicemail;
    private readonly List<AlternativeContact> _contacts = [];
    private readonly HashSet<string> _seenContacts = new(StringComparer.Ordinal);
    // Tuples are numbered from 1 as they come; the contacts of those whose basic is open are where the user may be reached.
    private int _tuple;
    private readonly HashSet<int> _openTuples = [];
    private readonly List<(int Tuple, AlternativeContact Contact)> _tupleContacts = [];
    // RFC 5196 capabilities and RFC 4479 device IDs, per tuple and per device (numbered from 1 as they come).
    private readonly Dictionary<int, CapabilitiesBuilder> _tupleCaps = [];
    private readonly Dictionary<int, string> _tupleDevices = [];
    private int _device;
    private readonly Dictionary<int, CapabilitiesBuilder> _deviceCaps = [];
    private readonly Dictionary<int, string> _deviceIds = [];

    private PidfParser(XmlReader reader)
        : base(reader)
    {
    }

    /// <summary>Reads from the root element to the end of the document; the reader throws XmlException on bad XML.</summary>
    public static bool TryParse(XmlReader reader, out PublishedState? state, out string error)
    {
        state = null;
        // RFC 3863 §4.1.1: the root is <presence> with an entity attribute naming the presentity.
        if (!TryCheckRoot(reader, "presence", PresenceNamespaces.Pidf, "PIDF presence", out error))
            return false;
        var parser = new PidfParser(reader);
        if (!parser.TryWalk(Scope.Presence, out error))
            return false;
        state = parser.ToState();
        return true;
    }

    protected override Step ReadElement(Scope parent)
    {
        string ns = Reader.NamespaceURI;
        string name = Reader.LocalName;
        if (parent == Scope.Activities)
            return ReadActivity(ns, name);
        return ns switch
        {
            PresenceNamespaces.Pidf => ReadPidfElement(parent, name),
            PresenceNamespaces.DataModel when name == "person" && parent == Scope.Presence => Enter(Scope.Person),
            PresenceNamespaces.DataModel when name == "device" && parent == Scope.Presence => EnterDevice(),
            PresenceNamespaces.DataModel when name == "deviceID" && parent is Scope.Tuple or Scope.Device => ReadDeviceId(parent),
            PresenceNamespaces.Caps => ReadCapability(parent, name),
            PresenceNamespaces.DataModel when name == "note" && CanHoldNote(parent) => ReadNote(ref _note),
            // RFC 4480 puts activities in a person; older RPID drafts put them in a tuple or its status.
            PresenceNamespaces.Rpid when name == "activities" => Enter(Scope.Activities),
            PresenceNamespaces.Extension => ReadExtension(parent, name),
            _ => Enter(Scope.Other),
        };
    }

    private Step ReadPidfElement(Scope parent, string name) => name switch
    {
        "tuple" when parent == Scope.Presence => EnterTuple(),
        "status" when parent == Scope.Tuple => Enter(Scope.Status),
        "basic" when parent == Scope.Status => ReadBasic(),
        "contact" when parent == Scope.Tuple => ReadContact(),
        // RFC 3863 §4.1.6 allows notes in presence and tuple; some clients also put a pidf note in a person.
        "note" when CanHoldNote(parent) => ReadNote(ref _note),
        _ => Enter(Scope.Other),
    };

    private Step EnterTuple()
    {
        _tuple++;
        return Enter(Scope.Tuple);
    }

    private Step EnterDevice()
    {
        _device++;
        return Enter(Scope.Device);
    }

    /// <summary>RFC 4479 §3.4.1: the device a tuple's service runs on, or the ID of a device element (a URN).</summary>
    private Step ReadDeviceId(Scope parent)
    {
        string id = ReadTrimmedText();
        if (id.Length > 0)
        {
            if (parent == Scope.Tuple)
                _tupleDevices.TryAdd(_tuple, id);
            else
                _deviceIds.TryAdd(_device, id);
        }
        return Step.Consumed;
    }

    /// <summary>
    /// RFC 5196: &lt;servcaps&gt; in a tuple (§3.2; also accepted inside its status, where earlier versions of this
    /// server wrote it) and &lt;devcaps&gt; in a device (§3.3). Liberal: a value that is not a boolean or a known
    /// token is passed over, as is every element this server does not use.
    /// </summary>
    private Step ReadCapability(Scope parent, string name)
    {
        switch (parent)
        {
            case Scope.Tuple or Scope.Status when name == "servcaps":
                return Enter(Scope.ServCaps);
            case Scope.Device when name == "devcaps":
                return Enter(Scope.DevCaps);
            case Scope.ServCaps:
                return ReadServiceCapability(name);
            case Scope.DevCaps when name == "mobility":
                return Enter(Scope.Mobility);
            case Scope.DevCaps when name == "description":
                return ReadDescription(DeviceCaps());
            case Scope.Duplex when name == "supported":
                return Enter(Scope.DuplexSupported);
            case Scope.Mobility when name == "supported":
                return Enter(Scope.MobilitySupported);
            case Scope.DuplexSupported:
                TupleCaps().Duplexes.Add(name);
                return Skip();
            case Scope.MobilitySupported:
                DeviceCaps().Mobilities.Add(name);
                return Skip();
            default:
                return Skip();
        }
    }

    private Step ReadServiceCapability(string name)
    {
        CapabilitiesBuilder caps = TupleCaps();
        switch (name)
        {
            case "audio": caps.Audio = ReadBoolean(); return Step.Consumed;
            case "video": caps.Video = ReadBoolean(); return Step.Consumed;
            case "text": caps.Text = ReadBoolean(); return Step.Consumed;
            case "message": caps.Message = ReadBoolean(); return Step.Consumed;
            case "automata": caps.Automata = ReadBoolean(); return Step.Consumed;
            case "duplex": return Enter(Scope.Duplex);
            case "description": return ReadDescription(caps);
            case "type":
                // §3.2.10: "type/subtype", lowercase.
                string type = ReadTrimmedText().ToLowerInvariant();
                if (type.Length is > 2 and <= 100 && type.IndexOf('/', StringComparison.Ordinal) > 0 && !type.Any(char.IsWhiteSpace))
                    caps.Types.Add(type);
                return Step.Consumed;
            default:
                return Skip();
        }
    }

    private Step ReadDescription(CapabilitiesBuilder caps)
    {
        string description = ReadTrimmedText();
        if (caps.Description is null && description.Length > 0)
            caps.Description = description.Length > 200 ? description[..200] : description;
        return Step.Consumed;
    }

    private bool? ReadBoolean() => ReadTrimmedText() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => null,
    };

    private CapabilitiesBuilder TupleCaps() => _tupleCaps.TryGetValue(_tuple, out var caps) ? caps : _tupleCaps[_tuple] = new();

    private CapabilitiesBuilder DeviceCaps() => _deviceCaps.TryGetValue(_device, out var caps) ? caps : _deviceCaps[_device] = new();

    private Step ReadExtension(Scope parent, string name)
    {
        // <po:extended> is what the server writes. A client echoing a document it received must not be able to set
        // ringing or busy by text, so it is ignored wherever it stands.
        if (name == "extended")
            return Skip();
        if (parent != Scope.Presence)
            return Enter(Scope.Other);
        return name switch
        {
            "donotdisturb" => ReadDoNotDisturb(),
            "alternative-contact" => ReadAlternativeContact(),
            "voicemail" => ReadVoicemail(),
            // Elements of later versions of the extension: passed over, so that old servers accept new clients.
            _ => Enter(Scope.Other),
        };
    }

    private Step ReadDoNotDisturb()
    {
        _doNotDisturb = true;
        string comment = ReadTrimmedText();
        if (_dndComment is null && comment.Length > 0)
            _dndComment = comment;
        return Step.Consumed;
    }

    private Step ReadAlternativeContact()
    {
        double priority = ContactPriority.Default;
        string? priorityText = Reader.GetAttribute("priority");
        if (priorityText is not null && !ContactPriority.TryParse(priorityText, out priority))
            return Fail("alternative-contact priority out of range");
        string uri = ReadTrimmedText();
        if (!UriText.IsPlausible(uri))
            return Fail("alternative-contact is not a URI");
        _alternatives.Add(new AlternativeContact(uri, priority));
        return Step.Consumed;
    }

    private Step ReadVoicemail()
    {
        string voicemail = ReadTrimmedText();
        if (!UriText.IsPlausible(voicemail))
            return Fail("voicemail is not a URI");
        _voicemail ??= voicemail;
        return Step.Consumed;
    }

    private Step ReadBasic()
    {
        // RFC 3863 §4.1.4: "open" or "closed". Anything else says nothing about reachability and is passed over.
        switch (ReadTrimmedText())
        {
            case "open":
                _anyOpen = true;
                _openTuples.Add(_tuple);
                break;
            case "closed":
                _anyClosed = true;
                break;
        }
        return Step.Consumed;
    }

    private Step ReadContact()
    {
        // Liberal: a standard contact with a bad priority keeps the default one; one that is no URI is dropped.
        string? priorityText = Reader.GetAttribute("priority");
        double priority = priorityText is not null && ContactPriority.TryParse(priorityText, out double parsed)
            ? parsed
            : ContactPriority.Default;
        string uri = ReadTrimmedText();
        if (!UriText.IsPlausible(uri))
            return Step.Consumed;
        var contact = new AlternativeContact(uri, priority);
        if (_seenContacts.Add(uri))
            _contacts.Add(contact);
        _tupleContacts.Add((_tuple, contact));
        return Step.Consumed;
    }

    private Step ReadActivity(string ns, string name)
    {
        if (ns != PresenceNamespaces.Rpid)
            return Skip();
        if (name == RpidActivities.Note)
            return ReadNote(ref _activityNote);
        if (name != RpidActivities.Unknown && _seenActivities.Add(name))
            _activities.Add(name);
        // An activity's content (the text of <rpid:other>, extension children) is not needed.
        return Skip();
    }

    private Step ReadNote(ref string? target)
    {
        string note = ReadTrimmedText();
        if (target is null && note.Length > 0)
            target = note;
        return Step.Consumed;
    }

    private static bool CanHoldNote(Scope scope) =>
        scope is Scope.Presence or Scope.Tuple or Scope.Person or Scope.Device;

    private PublishedState ToState()
    {
        BasicStatus? basic = _anyOpen ? BasicStatus.Open : _anyClosed ? BasicStatus.Closed : null;
        // The notes of presence, tuples, persons and devices speak to the watcher; an RPID activities note only
        // describes the activities, so it serves when there is no other.
        string? note = _note ?? _activityNote;
        // SPEC "What real clients publish": publishing closed declares do-not-disturb, its note being the comment.
        bool doNotDisturb = _doNotDisturb || basic == BasicStatus.Closed;
        return new PublishedState
        {
            Basic = basic,
            Note = note,
            Activities = _activities,
            DoNotDisturb = doNotDisturb,
            DndComment = doNotDisturb ? _dndComment ?? note : null,
            AlternativeContacts = _alternatives,
            VoicemailUri = _voicemail,
            // linphone sets on-the-phone during a call; "busy" alone is a mood of availability, not a session.
            Call = _seenActivities.Contains(RpidActivities.OnThePhone) ? CallActivity.Busy : CallActivity.None,
            Contacts = _contacts,
            OpenContacts = _tupleContacts.Where(c => _openTuples.Contains(c.Tuple)).Select(c => c.Contact)
                .DistinctBy(c => c.Uri, StringComparer.Ordinal).ToList(),
            Services = _tupleCaps
                .Select(t => (t.Key, Caps: t.Value.Build()))
                .Where(t => t.Caps.Any)
                .OrderBy(t => t.Key)
                .Select(t => new PublishedService(
                    _tupleContacts.FirstOrDefault(c => c.Tuple == t.Key).Contact?.Uri,
                    _tupleDevices.GetValueOrDefault(t.Key), _openTuples.Contains(t.Key), t.Caps))
                .ToList(),
            Devices = _deviceIds
                .Where(d => _deviceCaps.ContainsKey(d.Key))
                .OrderBy(d => d.Key)
                .Select(d => (d.Value, Caps: _deviceCaps[d.Key].Build()))
                .Where(d => d.Caps.Mobility is not null || d.Caps.Description is not null)
                .Select(d => new PublishedDevice(d.Value, d.Caps.Mobility, d.Caps.Description))
                .ToList(),
        };
    }

    /// <summary>What one servcaps or devcaps said, gathered while reading.</summary>
    private sealed class CapabilitiesBuilder
    {
        public bool? Audio, Video, Text, Message, Automata;
        public string? Description;
        public readonly List<string> Duplexes = [];
        public readonly List<string> Mobilities = [];
        public readonly List<string> Types = [];

        public Model.DeviceCapabilities Build() => new(Audio, Video, Text, Message, Automata)
        {
            // A list of several says the service can work either way: only a single value describes it.
            Duplex = Duplexes.Count == 1 && Duplexes[0] is "full" or "half" or "receive-only" or "send-only" ? Duplexes[0] : null,
            Mobility = Mobilities.Count == 1 && Mobilities[0] is "fixed" or "mobile" ? Mobilities[0] : null,
            Description = Description,
            Types = Types.Count > 0 ? Types.Distinct(StringComparer.Ordinal).Take(20).ToArray() : null,
        };
    }
}
