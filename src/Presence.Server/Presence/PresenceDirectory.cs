using Microsoft.Extensions.Logging;
using Presence.Core.Model;
using Presence.Core.Persistence;
using Presence.Grains;
using Presence.Grains.Commands;
using Presence.Grains.Storage;
using Presence.Grains.Users;

namespace Presence.Server.Presence;

/// <summary>
/// The one way into users' presence for the SIP handlers and the HTTP API: each operation is a call to the user's grain,
/// wherever Orleans has it. A call that meets the cluster changing (the grain's silo died and is not yet declared,
/// or a message was refused while directories moved) is tried again for up to <see cref="RetryFor"/>, so the users of
/// a dead silo are served by the others as soon as Orleans has moved them, without the client seeing an error.
/// </summary>
public sealed class PresenceDirectory(IGrainFactory grains, IServiceProvider services, ILogger<PresenceDirectory> logger)
{
    /// <summary>How long a request keeps trying a grain while the cluster moves (within a SIP client's own 32 s).</summary>
    public static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(8);

    /// <summary>Runs the command in the user's grain; a write that failed answers 500, and so does a cluster that stays unreachable.</summary>
    public async Task<PresenceAnswer> ExecuteAsync(string aor, PresenceCommand command, CancellationToken ct = default)
    {
        var grain = grains.GetGrain<IPresentityGrain>(aor);
        return await GrainCalls.RetryAsync(() => grain.Execute(command), aor, logger, ct).ConfigureAwait(false)
            ?? new PresenceAnswer(503, "Presence Cluster Unavailable");
    }

    /// <summary>A look at a user: the composite, the document watchers get, its sources, watchers and rules.</summary>
    public async Task<PresentitySnapshot> GetAsync(string aor, CancellationToken ct = default)
    {
        var grain = grains.GetGrain<IPresentityGrain>(aor);
        return await GrainCalls.RetryAsync(() => grain.Read(), aor, logger, ct).ConfigureAwait(false)
            ?? throw new TimeoutException($"The grain of {aor} could not be reached within {RetryFor.TotalSeconds:0} s.");
    }

    /// <summary>The user's history, newest first, read from the store (it is append-only: no grain needs to be involved).</summary>
    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(string aor, DateTimeOffset? since, int max, CancellationToken ct = default)
    {
        var store = services.GetService(typeof(IGrainStore)) as IGrainStore
            ?? throw new InvalidOperationException("History is read where the store is: a silo that hosts users.");
        var records = await store.ReadHistoryAsync(PresentityGrain.GrainTypeName, aor, since, max, ct).ConfigureAwait(false);
        return records.Select(r => PresentityItems.ReadHistory(r.Payload)).OfType<HistoryEntry>().ToList();
    }
}

/// <summary>Grain calls that ride out a cluster change.</summary>
internal static class GrainCalls
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(200);

    /// <summary>The call's result, or default when the cluster stayed unreachable for <see cref="PresenceDirectory.RetryFor"/>.</summary>
    public static async Task<T?> RetryAsync<T>(Func<Task<T>> call, string aor, ILogger logger, CancellationToken ct)
        where T : class
    {
        var deadline = DateTime.UtcNow + PresenceDirectory.RetryFor;
        while (true)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception ex) when (Transient(ex) && DateTime.UtcNow + Pause < deadline && !ct.IsCancellationRequested)
            {
                PresenceLog.GrainCallRetried(logger, ex, aor);
                await Task.Delay(Pause, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (Transient(ex))
            {
                return null;
            }
        }
    }

    // What Orleans throws while a silo is dying or the directory moves; a bug or a storage failure is not retried.
    private static bool Transient(Exception ex) =>
        ex is SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException
            or TimeoutException or OrleansException { InnerException: Orleans.Runtime.Messaging.ConnectionFailedException };
}
