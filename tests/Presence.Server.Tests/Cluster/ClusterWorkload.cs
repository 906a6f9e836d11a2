using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Presence.Server.Tests.Infrastructure;
using Presence.Sip.Message;

namespace Presence.Server.Tests.Cluster;

/// <summary>
/// A bounded workload for the cluster tests: presentities that publish a numbered do-not-disturb comment round after
/// round through an edge, each watched by one watcher (subscribed through an edge too), all authenticated with
/// digest. It remembers every acknowledged round, so that afterwards a test can check that nothing acknowledged was
/// lost and every watcher heard the last change in its own dialog with its CSeq only rising.
/// </summary>
internal sealed class ClusterWorkload : IAsyncDisposable
{
    private readonly LocalCluster _cluster;
    private readonly List<(TestUserAgent Presentity, TestUserAgent Watcher)> _users = [];
    private readonly ConcurrentDictionary<string, int> _acked = new();
    private readonly ConcurrentDictionary<string, int> _attempted = new();
    private readonly ConcurrentDictionary<string, string> _etags = new();
    private readonly ConcurrentDictionary<string, List<SipMessage>> _notifies = new();
    private int _round;
    private long _retries;

    private ClusterWorkload(LocalCluster cluster) => _cluster = cluster;

    /// <summary>Acknowledged PUBLISHes over the whole run.</summary>
    public int Acknowledged => _acked.Values.Sum();

    /// <summary>Requests that got no answer or a 503 and were sent again (a silo dying under them).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Provisions the users and builds their agents on the given SIP node.</summary>
    public static async Task<ClusterWorkload> CreateAsync(LocalCluster cluster, int users, string via)
    {
        var workload = new ClusterWorkload(cluster);
        var names = Enumerable.Range(0, users).SelectMany(i => new[] { $"load{i}", $"watch{i}" }).ToArray();
        await cluster.ProvisionAsync(names);
        for (int i = 0; i < users; i++)
            workload._users.Add((cluster.UserAgent($"load{i}", via), cluster.UserAgent($"watch{i}", via)));
        return workload;
    }

    /// <summary>The users' AORs, presentities and watchers.</summary>
    public IEnumerable<string> Aors => _users.SelectMany(u => new[] { u.Presentity.Aor, u.Watcher.Aor });

    /// <summary>Every watcher subscribes to its presentity.</summary>
    public Task SubscribeAllAsync() => Task.WhenAll(_users.Select(async u =>
    {
        var answer = await SendAsync(() => u.Watcher.SubscribeAsync(u.Presentity.Aor, expires: 3600), TimeSpan.FromSeconds(30));
        Assert.Equal(200, answer.StatusCode);
    }));

    /// <summary>Publishes rounds until <paramref name="duration"/> is over or <paramref name="maxRounds"/> are done, whichever first.</summary>
    public async Task RunAsync(TimeSpan duration, int maxRounds, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        for (var done = 0; done < maxRounds && clock.Elapsed < duration && !ct.IsCancellationRequested; done++)
        {
            // Rounds are numbered across runs, so a later run's notes never repeat an earlier one's.
            var r = ++_round;
            await Task.WhenAll(_users.Select(u => PublishAsync(u.Presentity, r)));
        }
    }

    /// <summary>
    /// What the run must leave behind: every presentity's stored comment is its last acknowledged round (or a later
    /// attempt whose answer was lost with a dying silo), and every watcher has heard it, in one dialog whose CSeq only
    /// ever went up.
    /// </summary>
    public async Task VerifyAsync(TimeSpan within)
    {
        using var api = _cluster.AnySilo.CreateApiClient();
        foreach (var (presentity, watcher) in _users)
        {
            var acked = _acked.GetValueOrDefault(presentity.Aor);
            var attempted = _attempted.GetValueOrDefault(presentity.Aor);
            Assert.True(acked > 0, $"{presentity.Aor} never had a PUBLISH acknowledged");
            var stored = await api.GetFromJsonAsync<JsonElement>($"/api/users/{Uri.EscapeDataString(presentity.Aor)}/presence");
            var note = stored.GetProperty("note").GetString();
            Assert.True(note == Note(acked) || note == Note(attempted),
                $"{presentity.Aor}: stored '{note}', last acknowledged {Note(acked)}, last attempted {Note(attempted)}");

            var heard = await HeardAsync(watcher, note!, within);
            var callIds = heard.Select(n => n.CallId).Distinct().ToList();
            Assert.True(callIds.Count == 1, $"{watcher.Aor} was notified in {callIds.Count} dialogs");
            for (var i = 1; i < heard.Count; i++)
                Assert.True(heard[i].CSeq > heard[i - 1].CSeq, $"{watcher.Aor}: CSeq {heard[i].CSeq} after {heard[i - 1].CSeq}");
            Assert.Contains("active", heard[^1].GetFirst(HeaderId.SubscriptionState), StringComparison.Ordinal);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (presentity, watcher) in _users)
        {
            await presentity.DisposeAsync();
            await watcher.DisposeAsync();
        }
    }

    private static string Note(int round) => $"round {round}";

    private async Task PublishAsync(TestUserAgent presentity, int round)
    {
        _attempted[presentity.Aor] = round;
        var answer = await SendAsync(() => presentity.PublishAsync("application/pidf+xml", ClusterTests.Document(presentity.Aor, Note(round)),
            expires: 3600, etag: _etags.GetValueOrDefault(presentity.Aor)), TimeSpan.FromSeconds(30));
        if (answer.StatusCode == 412)
        {
            // The publication this ETag named is gone (its refresh was lost with a silo): publish afresh.
            _etags.TryRemove(presentity.Aor, out _);
            answer = await SendAsync(() => presentity.PublishAsync("application/pidf+xml", ClusterTests.Document(presentity.Aor, Note(round)),
                expires: 3600), TimeSpan.FromSeconds(30));
        }
        Assert.Equal(200, answer.StatusCode);
        _etags[presentity.Aor] = answer.GetFirst(HeaderId.SipETag)!;
        _acked[presentity.Aor] = round;
    }

    // A request through the edge: while the cluster moves, it may find no answer (the edge was still retrying when the
    // client gave up) or a 503; it is sent again, as a phone would, within the limit.
    private async Task<SipMessage> SendAsync(Func<Task<SipMessage>> send, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                var answer = await send();
                if (answer.StatusCode != 503)
                    return answer;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("The cluster did not answer in time.");
            Interlocked.Increment(ref _retries);
            await Task.Delay(100);
        }
    }

    private async Task<List<SipMessage>> HeardAsync(TestUserAgent watcher, string note, TimeSpan within)
    {
        var heard = _notifies.GetOrAdd(watcher.Aor, _ => []);
        var deadline = DateTime.UtcNow + within;
        while (heard.Count == 0 || TestUserAgent.NoteOf(heard[^1]) != note)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"{watcher.Aor} never heard '{note}' (last: '{(heard.Count > 0 ? TestUserAgent.NoteOf(heard[^1]) : "nothing")}').");
            heard.Add(await watcher.NextNotifyAsync(left));
        }
        return heard;
    }
}
