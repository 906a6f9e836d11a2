using Presence.Core.Documents;
using Presence.Core.Model;

namespace Presence.Core.Presentity;

public sealed partial class Presentity
{
    // The dialogs last told to the dialog package's watchers, as their document without its version: a change is told,
    // the same dialogs again are not. Memory only: after a load it starts from the stored publications (see Load).
    private string? _lastDialogs;

    /// <summary>The user's dialogs now (RFC 4235), as the dialog package's watchers get them.</summary>
    public IReadOnlyList<DialogEntry> Dialogs => CurrentDialogs();

    /// <summary>The user's dialogs from every dialog-info publication (RFC 4235; expired ones are gone before any turn
    /// gets here), oldest publication first; the ended dialogs are left out of the full state.</summary>
    private List<DialogEntry> CurrentDialogs() => _publications.Values
        .Where(p => p.State.Dialogs.Count > 0)
        .OrderBy(p => p.PublishedAt)
        .ThenBy(p => p.EntityTag, StringComparer.Ordinal)
        .SelectMany(p => p.State.Dialogs)
        .Where(d => d.State != "terminated")
        .ToList();

    /// <summary>A dialog watcher's document: its version is the NOTIFY's CSeq less one, so 0 in the first NOTIFY and one
    /// more in each after it (RFC 4235 §4.1), and still rising across restarts and moves, where the CSeq jumps past the
    /// block reserved before.</summary>
    private byte[] DialogDocument(Subscription subscription, IEnumerable<DialogEntry> dialogs)
    {
        long cseq = _nextCSeq.TryGetValue(subscription.Id, out long n) ? n : 1;
        return DialogInfoWriter.Write(Aor, cseq - 1, dialogs);
    }

    private static string DialogsKey(List<DialogEntry> dialogs) => string.Join("\n", dialogs);

    /// <summary>
    /// The dialogs changed since the dialog watchers last heard: each active one that may see them gets a NOTIFY
    /// with the full state (politely blocked ones never see a call, so a change never reaches them). With
    /// <paramref name="resend"/> they get it even when nothing changed (their last NOTIFY may have been lost in a
    /// crash). True when any NOTIFY was made.
    /// </summary>
    private bool NotifyDialogWatchers(DateTimeOffset now, bool resend)
    {
        var dialogs = CurrentDialogs();
        string key = DialogsKey(dialogs);
        if (!resend && key == _lastDialogs)
            return false;
        _lastDialogs = key;
        var watchers = _subscriptions.Values.Where(s => s.IsDialog && s.State == SubscriptionState.Active && s.Decision == WatcherAction.Allow).ToList();
        foreach (var s in watchers)
            Notify(s, $"active;expires={s.SecondsLeft(now)}", DialogDocument(s, dialogs), terminal: false);
        return watchers.Count > 0;
    }
}
