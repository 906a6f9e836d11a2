using Presence.Core.Composite;
using Presence.Core.Documents;
using Presence.Core.Model;
using Presence.Core.Persistence;

namespace Presence.Core.Presentity;

/// <summary>
/// The single owner of one user's presence: registrations, publications, settings and watchers. Pure logic:
/// each call changes the state and records what to write and what to NOTIFY in <see cref="Changes"/>; the
/// host does the I/O. Not thread-safe: the grain runtime gives it one turn at a time.
/// </summary>
public sealed partial class Presentity
{
    private readonly Dictionary<string, Binding> _bindings = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Publication> _publications = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _nextCSeq = new(StringComparer.Ordinal);
    private readonly PresenceOptions _options;
    private readonly Dictionary<string, WatcherAction> _rules = new(StringComparer.OrdinalIgnoreCase);
    private UserSettings _settings = UserSettings.Empty;
    private List<string> _groups = [];
    private StoredComposite? _lastSent;
    // Every NOTIFY CSeq any dialog has used is at most the larger of its subscription's own reservation and this.
    private long _cseqFloor;

    /// <summary>How many NOTIFY CSeq numbers a subscription reserves with one write (see <see cref="NextCSeq"/>).</summary>
    internal const int CSeqBlock = 100;

    public Presentity(string aor, PresenceOptions? options = null)
    {
        Aor = aor;
        _options = options ?? PresenceOptions.Default;
    }

    public string Aor { get; }

    public PresentityChanges Changes { get; private set; } = new();

    public IReadOnlyCollection<Binding> Bindings => _bindings.Values;

    public IReadOnlyCollection<Publication> Publications => _publications.Values;

    public IReadOnlyCollection<Subscription> Subscriptions => _subscriptions.Values;

    public UserSettings Settings => _settings;

    /// <summary>
    /// When the next registration, publication or subscription expires, or the reminder is to look whether a change's
    /// NOTIFYs have left; the runtime wakes the grain then.
    /// </summary>
    public DateTimeOffset? NextDueAt
    {
        get
        {
            DateTimeOffset? next = _unsentCheckAt;
            foreach (var b in _bindings.Values)
                next = Min(next, b.ExpiresAt);
            foreach (var p in _publications.Values)
                next = Min(next, p.ExpiresAt);
            foreach (var s in _subscriptions.Values)
                next = Min(next, s.ExpiresAt);
            if (NextListDueAt() is { } lists)
                next = Min(next, lists);
            if (_calendarDueAt is { } calendar)
                next = Min(next, calendar);
            if (_calendarPollAt is { } poll)
                next = Min(next, poll);
            return next;
        }
    }

    /// <summary>Hands the accumulated changes to the host and starts a new set.</summary>
    public PresentityChanges TakeChanges()
    {
        var changes = Changes;
        Changes = new PresentityChanges();
        return changes;
    }

    /// <summary>
    /// Restores a presentity from its stored items, then brings it up to date: what expired while it was not
    /// active is removed, subscriptions move their NOTIFY CSeq past anything sent before, and watchers hear of
    /// a composite that differs from the one they last received, or of the current one again when the last
    /// change's NOTIFYs may not have left before the process ended (a duplicate is harmless, RFC 6665 §4.2.2
    /// lets a notifier send a NOTIFY at any time; a lost change is not).
    /// </summary>
    public static Presentity Load(string aor, IEnumerable<(string Kind, string Key, byte[] Payload)> items, DateTimeOffset now, PresenceOptions? options = null)
    {
        var presentity = new Presentity(aor, options);
        foreach (var (kind, _, payload) in items)
        {
            switch (kind)
            {
                case PresentityItems.BindingKind when PresentityItems.ReadBinding(payload) is { } b:
                    presentity._bindings[b.ContactUri] = b;
                    break;
                case PresentityItems.PublicationKind when PresentityItems.ReadPublication(payload) is { } p:
                    presentity._publications[p.EntityTag] = p;
                    break;
                case PresentityItems.SubscriptionKind when PresentityItems.ReadSubscription(payload) is { } s:
                    if (s.IsList)
                        presentity._listSubscriptions[s.Id] = s;
                    else
                        presentity._subscriptions[s.Id] = s;
                    break;
                case PresentityItems.ListKind when PresentityItems.ReadList(payload) is { } list:
                    presentity._lists[list.Name] = list;
                    break;
                case PresentityItems.BackEndKind when PresentityItems.ReadBackEnd(payload) is { } be:
                    presentity._backEnds[be.Key] = be;
                    break;
                case PresentityItems.CalendarKind when PresentityItems.ReadCalendar(payload) is { } calendar:
                    presentity._calendar = calendar;
                    break;
                case PresentityItems.CalendarSourceKind when PresentityItems.ReadCalendarSource(payload) is { } source:
                    presentity._calendarSource = source;
                    // After a load, the next fetch is a poll interval after the last one (or at once).
                    presentity._calendarPollAt = (source.LastPollAt ?? now) + (source.LastPollAt is null ? TimeSpan.Zero : presentity._options.CalendarPollInterval);
                    break;
                case PresentityItems.SettingsKind when PresentityItems.ReadSettings(payload) is { } u:
                    presentity._settings = u;
                    break;
                case PresentityItems.RulesKind when PresentityItems.ReadRules(payload) is { } rules:
                    foreach (var rule in rules)
                        presentity._rules[rule.Watcher] = rule.Action;
                    break;
                case PresentityItems.GroupsKind when PresentityItems.ReadGroups(payload) is { } groups:
                    presentity._groups = groups;
                    break;
                case PresentityItems.CompositeKind when PresentityItems.ReadComposite(payload) is { } c:
                    presentity._lastSent = c;
                    break;
                case PresentityItems.CSeqKind when PresentityItems.ReadCSeqFloor(payload) is { } floor:
                    presentity._cseqFloor = floor;
                    break;
                case PresentityItems.UnsentKind:
                    presentity._unsentCheckAt = now;
                    break;
            }
        }
        // Every CSeq up to the reserved bound may have been used before a crash: continue above it, and reserve the
        // next block for all dialogs at once (one small row rather than every subscription rewritten: a user with
        // 40 watchers is activated with one write of a number).
        long highest = 0;
        foreach (var s in presentity._subscriptions.Values.Concat(presentity._listSubscriptions.Values))
        {
            long used = Math.Max(s.CSeqReserved, presentity._cseqFloor);
            presentity._nextCSeq[s.Id] = used + 1;
            highest = Math.Max(highest, used);
            // Partial watcher information is relative to the last document; after a restart, start again from a full one.
            if (s.IsWatcherInfo)
                presentity._watcherInfoNeedsFull.Add(s.Id);
        }
        if (presentity._subscriptions.Count > 0 || presentity._listSubscriptions.Count > 0)
            presentity.RaiseCSeqFloor(highest + CSeqBlock);
        presentity.LoadLists(now);
        presentity.RefreshCalendar(now);
        // What the dialog watchers last heard is what the stored publications say; what expired since is a change.
        presentity._lastDialogs = DialogsKey(presentity.CurrentDialogs());
        presentity.Expire(now);
        // A user nobody has stored anything for stays without rows until something happens to it.
        bool unsent = presentity.HasUnsentNotifies;
        bool notified = (presentity._lastSent is not null || presentity.Changes.HasWrites)
            && presentity.Recompute(now, "restart", resend: unsent);
        // Nobody is left to hear the document again (the watchers all went while the user was not loaded).
        if (unsent && !notified)
            presentity.NotifiesSent();
        return presentity;
    }

    /// <summary>The composite presence as of <paramref name="now"/>.</summary>
    public CompositePresence Composite(DateTimeOffset now) =>
        CompositeRules.Compute(_bindings.Values, _publications.Values, _settings, now, Aor, CalendarAt(now));

    /// <summary>The PIDF document watchers receive as of <paramref name="now"/>.</summary>
    public byte[] Document(DateTimeOffset now) => PidfWriter.Write(ToDocument(Composite(now)));

    /// <summary>Expiry work (RFC 3261 §10.3, RFC 3903 §6, RFC 6665 §4.2.2): what ended is removed, watchers are told.</summary>
    public void OnDue(DateTimeOffset now)
    {
        bool expired = Expire(now);
        bool calendar = CalendarDue(now);
        if (expired || calendar)
            Recompute(now, expired ? "expiry" : "calendar");
        PostponeUnsentCheck(now);
    }

    /// <summary>Operator or user settings from the HTTP API: DND and its comment, alternatives, voicemail.</summary>
    public PresenceOutcome SetSettings(UserSettings settings, DateTimeOffset now)
    {
        if (settings.AlternativeContacts.Count > _options.MaxAlternativeContacts)
            return new PresenceOutcome(400, $"At most {_options.MaxAlternativeContacts} alternative contacts");
        _settings = settings;
        Changes.Upsert(PresentityItems.SettingsKind, string.Empty, PresentityItems.Serialize(settings));
        Recompute(now, "settings");
        return new PresenceOutcome(200);
    }

    /// <summary>
    /// Ends every registration and publication at once (the account was disabled): watchers hear that the user
    /// is unreachable, or in DND if the user set it; settings and watchers stay.
    /// </summary>
    public PresenceOutcome EndSources(DateTimeOffset now)
    {
        foreach (var b in _bindings.Values.ToList())
            RemoveBinding(b);
        foreach (var p in _publications.Values.ToList())
        {
            _publications.Remove(p.EntityTag);
            Changes.Delete(PresentityItems.PublicationKind, p.EntityTag);
        }
        Recompute(now, "disabled");
        return new PresenceOutcome(200);
    }

    // Removes what expired; true when anything did.
    private bool Expire(DateTimeOffset now)
    {
        bool changed = false;
        foreach (var b in _bindings.Values.Where(b => !b.IsLive(now)).ToList())
        {
            _bindings.Remove(b.ContactUri);
            Changes.Delete(PresentityItems.BindingKind, b.ContactUri);
            changed = true;
        }
        foreach (var p in _publications.Values.Where(p => !p.IsLive(now)).ToList())
        {
            _publications.Remove(p.EntityTag);
            Changes.Delete(PresentityItems.PublicationKind, p.EntityTag);
            changed = true;
        }
        foreach (var s in _subscriptions.Values.Where(s => !s.IsLive(now)).ToList())
        {
            // RFC 6665 §4.2.2: an expired subscription ends with a NOTIFY saying terminated;reason=timeout.
            Terminate(s, "timeout", now);
            changed = true;
        }
        // The lists' own subscriptions do not change the user's document.
        ExpireLists(now);
        return changed;
    }

    /// <summary>
    /// Recomputes the composite; when its document differs from the last one sent, every active watcher gets
    /// a NOTIFY (and only then: RFC 3856 §6.6 asks for NOTIFYs on changes), and a status change goes to history.
    /// With <paramref name="resend"/>, they get the document even if it is the last one sent. True when any did.
    /// </summary>
    private bool Recompute(DateTimeOffset now, string cause, bool resend = false)
    {
        // The dialog package's watchers hear of their own changes, whatever the presence document does.
        bool dialogNotified = NotifyDialogWatchers(now, resend);
        if (dialogNotified)
            MarkUnsent(now);
        CompositePresence composite = Composite(now);
        byte[] document = PidfWriter.Write(ToDocument(composite));
        if (_lastSent is null || !_lastSent.Document.AsSpan().SequenceEqual(document))
        {
            bool statusChanged = _lastSent is null || _lastSent.Status != composite.Status || _lastSent.Note != composite.Note;
            RecordSent(composite, document);
            if (statusChanged)
                Changes.History.Add(new HistoryEntry(now, composite.Status, composite.Note, cause));
        }
        else if (!resend)
        {
            return dialogNotified;
        }
        // Politely blocked watchers always see the same closed document, so a change never reaches them.
        var watchers = _subscriptions.Values.Where(s => s.State == SubscriptionState.Active && s.Decision == WatcherAction.Allow && s.IsPresence).ToList();
        foreach (var s in watchers)
            Notify(s, $"active;expires={s.SecondsLeft(now)}", document, terminal: false);
        if (watchers.Count == 0)
            return dialogNotified;
        MarkUnsent(now);
        return true;
    }

    /// <summary>Persists the document watchers now have, the reference for telling the next change.</summary>
    private void RecordSent(CompositePresence composite, byte[] document)
    {
        _lastSent = new StoredComposite(composite.Status, composite.Note, document);
        Changes.Upsert(PresentityItems.CompositeKind, string.Empty, PresentityItems.Serialize(_lastSent));
    }

    private CompositeDocument ToDocument(CompositePresence composite) => new()
    {
        Entity = Aor,
        Status = composite.Status,
        Note = composite.Note,
        // A user in do-not-disturb takes no calls: its devices show no capabilities.
        Contacts = composite.DocumentContacts.Select(c => new AlternativeContact(c.Uri, c.Priority,
            composite.Status == ExtendedStatus.DoNotDisturb ? null : c.Capabilities, c.DeviceId)).ToList(),
        Activities = composite.Activities,
    };

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset b) => a is null || b < a ? b : a;

    private static int Clamp(int requested, int max) => Math.Min(requested, max);
}
