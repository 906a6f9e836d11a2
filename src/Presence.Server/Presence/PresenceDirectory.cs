using Presence.Cluster.Runtime;
using Presence.Cluster.Storage;
using Presence.Core.Composite;
using Presence.Core.Model;
using Presence.Core.Persistence;
using Presence.Core.Presentity;

namespace Presence.Server.Presence;

/// <summary>
/// The one way into users' presence for the SIP handlers and the HTTP API: every operation is a turn of the
/// user's grain, wherever that grain lives.
/// </summary>
public sealed class PresenceDirectory
{
    private readonly GrainRuntime<PresentityGrain> _runtime;
    private readonly IGrainStore _store;

    public PresenceDirectory(GrainRuntime<PresentityGrain> runtime, IGrainStore store, NotifySender notifier)
    {
        _runtime = runtime;
        _store = store;
        notifier.OnResult = (aor, subscriptionId, status) =>
            _runtime.InvokeAsync(aor, g => g.OnNotifyResultAsync(subscriptionId, status));
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the user's presentity and returns its outcome once the changes are durable.
    /// A failed write turns the outcome into 500: nothing is acknowledged that is not stored.
    /// </summary>
    public async Task<PresenceOutcome> ExecuteAsync(
        string aor, Func<Presentity, DateTimeOffset, PresenceOutcome> action, Task? responded = null, CancellationToken ct = default)
    {
        // The turn runs on the user's worker, where the caller's span is not current: it is handed over.
        var parent = System.Diagnostics.Activity.Current?.Context ?? default;
        TurnResult turn = await _runtime.InvokeAsync(aor, g => g.RunAsync(action, responded, ct, parent), ct).ConfigureAwait(false);
        return await turn.Durable.ConfigureAwait(false) ? turn.Outcome! : new PresenceOutcome(500, "Presence State Could Not Be Stored");
    }

    /// <summary>A read-only look at a user: the composite, the document watchers get, and the sources.</summary>
    public Task<PresenceView> GetAsync(string aor, CancellationToken ct = default) =>
        _runtime.InvokeAsync(aor, g => ValueTask.FromResult(g.Peek((p, now) => new PresenceView(
            aor, p.Composite(now), p.Document(now), p.Bindings.Where(b => b.IsLive(now)).ToList(),
            p.Publications.Count(x => x.IsLive(now)), p.Subscriptions.Count, p.Settings))), ct);

    /// <summary>Reads something of a user without changing it.</summary>
    public Task<T> PeekAsync<T>(string aor, Func<Presentity, DateTimeOffset, T> read, CancellationToken ct = default) =>
        _runtime.InvokeAsync(aor, g => ValueTask.FromResult(g.Peek(read)), ct);

    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(string aor, DateTimeOffset? since, int max, CancellationToken ct = default)
    {
        var records = await _store.ReadHistoryAsync(PresentityGrain.GrainType, aor, since, max, ct).ConfigureAwait(false);
        return records.Select(r => PresentityItems.ReadHistory(r.Payload)).OfType<HistoryEntry>().ToList();
    }
}

/// <summary>What the HTTP API shows of a user.</summary>
public sealed record PresenceView(
    string Aor, CompositePresence Composite, byte[] Document, IReadOnlyList<Binding> Bindings,
    int Publications, int Watchers, UserSettings Settings);
