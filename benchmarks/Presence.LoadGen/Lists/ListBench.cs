using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Presence.LoadGen.Documents;
using Presence.LoadGen.Measure;
using Presence.LoadGen.Sip;
using Presence.Sip.Message;
using Presence.Sip.Transactions;

namespace Presence.LoadGen.Lists;

/// <summary>
/// Buddy lists with one subscription against the same with a subscription per buddy (issue 15): N users, each watching
/// the K users after it, either through its list (one SUBSCRIBE to sip:user+buddies@domain, RFC 4662) or directly
/// (K SUBSCRIBEs). Measures the setup, then PUBLISHes at a fixed rate for a fixed time and counts what reaches the
/// watchers (NOTIFYs, their bytes, the change-to-NOTIFY latency of every change in every NOTIFY that carries it), then
/// refreshes every subscription once and measures the server's CPU for that. Every loop is bounded; loopback only.
/// </summary>
internal static class ListBench
{
    public const string Usage = """
        loadgen lists --mode list|direct --server 127.0.0.1:PORT --api http://127.0.0.1:HTTP [--token T]
                      [--users 10000] [--list-size 40] [--rate 100] [--duration 30] [--setup-concurrency 200]
                      [--server-pid PID] [--expires 3600] [--out results.tsv]
        """;

    private sealed class Settings
    {
        public string Mode = "list";
        public IPEndPoint Server = new(IPAddress.Loopback, 5060);
        public Uri Api = new("http://127.0.0.1:8080");
        public string? Token;
        public int Users = 10_000, ListSize = 40, SetupConcurrency = 200, Expires = 3600;
        public double Rate = 100;
        public TimeSpan Duration = TimeSpan.FromSeconds(30);
        public int? ServerPid;
        public string? Out;
    }

    public static async Task<int> MainAsync(string[] args, CancellationToken ct)
    {
        Settings s;
        try
        {
            s = Parse(args);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            Console.Error.WriteLine(ex.Message + "\n" + Usage);
            return 2;
        }
        if (!LoopbackTarget.IsLoopback(s.Server.Address) || !IPAddress.TryParse(s.Api.Host, out var apiAddress) || !IPAddress.IsLoopback(apiAddress))
        {
            Console.Error.WriteLine("The server and the API must be on loopback.");
            return 2;
        }
        var options = new LoadOptions
        {
            Workload = WorkloadKind.Fanout,
            Server = s.Server,
            Users = s.Users,
            RunId = "lb" + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))[..6],
            Domain = "lists.test",
            SubscribeExpires = s.Expires,
        }.Resolve();
        var sink = new Sink();
        await using var pool = await EndpointPool.OpenAsync(options, s.Users, sink).ConfigureAwait(false);
        var users = Enumerable.Range(0, s.Users).Select(i => new SimUser(i, $"{options.RunId}u{i}", options.Domain, pool.For(i))).ToArray();
        var watch = Stopwatch.StartNew();

        // Setup: the lists through the API (list mode), then the subscriptions, each awaited to its first NOTIFY.
        if (s.Mode == "list")
            await PutListsAsync(s, users, ct).ConfigureAwait(false);
        var subscriptions = new List<Dialog>();
        for (int w = 0; w < users.Length; w++)
        {
            if (s.Mode == "list")
                subscriptions.Add(new Dialog(users[w], ListUri(users[w]), list: true));
            else
                for (int k = 1; k <= s.ListSize; k++)
                    subscriptions.Add(new Dialog(users[w], users[(w + k) % users.Length].Aor, list: false));
        }
        foreach (var d in subscriptions)
            sink.Dialogs[d.CallId] = d;
        var setupStats = new RequestStats("setup");
        long subscribed = 0, failed = 0;
        await ForEachAsync(subscriptions, s.SetupConcurrency, async d =>
        {
            var result = await SubscribeAsync(d, s.Expires, setupStats.For(SipMethods.Subscribe)).ConfigureAwait(false);
            if (result.StatusCode is >= 200 and < 300)
            {
                d.ToTag = result.Response!.GetTo()?.Tag;
                if (await Task.WhenAny(d.First.Task, Task.Delay(TimeSpan.FromSeconds(30), ct)).ConfigureAwait(false) == d.First.Task)
                {
                    Interlocked.Increment(ref subscribed);
                    return;
                }
            }
            Interlocked.Increment(ref failed);
        }, ct).ConfigureAwait(false);
        // The lists' first states may come in several NOTIFYs (a datagram's worth each): let them finish.
        await Task.Delay(TimeSpan.FromSeconds(3), ct).ConfigureAwait(false);
        var setupTime = watch.Elapsed;
        Console.Error.WriteLine($"setup: {subscribed:N0} subscriptions ({failed} failed) in {setupTime.TotalSeconds:F1} s, "
            + $"{sink.Notifies:N0} NOTIFYs, {sink.Bytes / 1048576.0:F1} MiB");

        // Measured: PUBLISH at the rate for the duration (open loop, a user busy with its previous PUBLISH is skipped).
        var client = new PresenceClient(options);
        var runStats = new RequestStats("measured");
        sink.StartMeasuring();
        (long cpuBefore, _) = Cpu(s.ServerPid);
        long seq = 0, skipped = 0, sent = 0;
        var random = new Random(7);
        var pending = new List<Task>();
        var measured = Stopwatch.StartNew();
        long measuredAt = Stopwatch.GetTimestamp();
        long total = (long)(s.Rate * s.Duration.TotalSeconds);
        for (long i = 0; i < total && !ct.IsCancellationRequested; i++)
        {
            var due = TimeSpan.FromSeconds(i / s.Rate);
            if (due > measured.Elapsed)
                await Task.Delay(due - measured.Elapsed, ct).ConfigureAwait(false);
            var user = users[random.Next(users.Length)];
            if (!user.TryAcquire())
            {
                skipped++;
                continue;
            }
            long n = Interlocked.Increment(ref seq);
            sink.Changed[n] = user.Index;
            sink.Sent[n] = Stopwatch.GetTimestamp();
            sent++;
            pending.Add(PublishAsync(client, user, n, runStats));
        }
        await Task.WhenAll(pending).ConfigureAwait(false);
        var sendTime = measured.Elapsed;
        long expected = sent * s.ListSize;
        // Drained when everything came, or nothing has come for 2 s (at most 15 s).
        var drain = Stopwatch.StartNew();
        while (sink.Delivered < expected && drain.Elapsed < TimeSpan.FromSeconds(15)
            && Stopwatch.GetElapsedTime(sink.LastNotifyAt) < TimeSpan.FromSeconds(2))
            await Task.Delay(100, ct).ConfigureAwait(false);
        sink.StopMeasuring();
        (long cpuAfter, _) = Cpu(s.ServerPid);
        var window = TimeSpan.FromTicks(Math.Max(sendTime.Ticks, Stopwatch.GetElapsedTime(measuredAt, sink.LastNotifyAt).Ticks));
        // A change a watcher never saw because a newer change of the same user reached it first (a list NOTIFY carries
        // the member's state when it leaves, RFC 4662 §5's batching) is superseded, not missing.
        long superseded = 0, missing = 0;
        foreach (var (n, p) in sink.Changed)
        {
            for (int k = 1; k <= s.ListSize; k++)
            {
                int w = ((p - k) % users.Length + users.Length) % users.Length;
                if (sink.Saw(n, w))
                    continue;
                if (sink.NewestSeen(w, p) > n)
                    superseded++;
                else
                    missing++;
            }
        }

        // Refresh: every subscription once, in its dialog, as clients do every so often.
        (long refreshCpuBefore, _) = Cpu(s.ServerPid);
        var refreshStats = new RequestStats("refresh");
        var refreshWatch = Stopwatch.StartNew();
        long refreshBytesBefore = sink.Bytes;
        await ForEachAsync(subscriptions.Where(d => d.ToTag is not null).ToList(), s.SetupConcurrency,
            d => SubscribeAsync(d, s.Expires, refreshStats.For(SipMethods.Subscribe), refresh: true), ct).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
        var refreshTime = refreshWatch.Elapsed - TimeSpan.FromSeconds(2);
        (long refreshCpuAfter, _) = Cpu(s.ServerPid);
        long refreshed = refreshStats.For(SipMethods.Subscribe).Succeeded;

        var latency = sink.Latency.ToStats();
        double cpuPerChangeMs = s.ServerPid is null || sent == 0 ? double.NaN : (cpuAfter - cpuBefore) * 10.0 / sent;
        double cpuPerRefreshUs = s.ServerPid is null || refreshed == 0 ? double.NaN : (refreshCpuAfter - refreshCpuBefore) * 10_000.0 / refreshed;
        double refreshesPerSecond = subscriptions.Count / (s.Expires / 2.0);
        var row = new (string Name, string Value)[]
        {
            ("mode", s.Mode),
            ("users", s.Users.ToString(CultureInfo.InvariantCulture)),
            ("list size", s.ListSize.ToString(CultureInfo.InvariantCulture)),
            ("subscriptions", subscribed.ToString(CultureInfo.InvariantCulture)),
            ("setup s", setupTime.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)),
            ($"SUBSCRIBE refreshes/s (expires {s.Expires} s, refresh at half)", refreshesPerSecond.ToString("F1", CultureInfo.InvariantCulture)),
            ("server CPU per refresh µs", cpuPerRefreshUs.ToString("F0", CultureInfo.InvariantCulture)),
            ("refresh round s", refreshTime.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)),
            ("refresh NOTIFY MiB", ((sink.Bytes - refreshBytesBefore) / 1048576.0).ToString("F1", CultureInfo.InvariantCulture)),
            ("PUBLISH/s", (sent / sendTime.TotalSeconds).ToString("F0", CultureInfo.InvariantCulture)),
            ("changes delivered / superseded / missing", $"{sink.Delivered} / {superseded} / {missing} of {expected}"),
            ("NOTIFYs/s", (sink.MeasuredNotifies / window.TotalSeconds).ToString("F0", CultureInfo.InvariantCulture)),
            ("NOTIFY KiB/s", (sink.MeasuredBytes / 1024.0 / window.TotalSeconds).ToString("F0", CultureInfo.InvariantCulture)),
            ("bytes per delivered change", sink.Delivered == 0 ? "-" : (sink.MeasuredBytes / (double)sink.Delivered).ToString("F0", CultureInfo.InvariantCulture)),
            ("p50 change-to-NOTIFY ms", latency.P50Ms.ToString("F1", CultureInfo.InvariantCulture)),
            ("p99 change-to-NOTIFY ms", latency.P99Ms.ToString("F1", CultureInfo.InvariantCulture)),
            ("server CPU per change ms", cpuPerChangeMs.ToString("F2", CultureInfo.InvariantCulture)),
            ("skipped", skipped.ToString(CultureInfo.InvariantCulture)),
        };
        foreach (var (name, value) in row)
            Console.WriteLine($"{name,-60} {value}");
        if (s.Out is { } path)
        {
            bool header = !File.Exists(path);
            await using var file = new StreamWriter(path, append: true);
            if (header)
                await file.WriteLineAsync(string.Join('\t', row.Select(r => r.Name))).ConfigureAwait(false);
            await file.WriteLineAsync(string.Join('\t', row.Select(r => r.Value))).ConfigureAwait(false);
        }
        return failed == 0 && missing == 0 ? 0 : 1;
    }

    private static string ListUri(SimUser user) => user.Aor.Replace("@", "+buddies@", StringComparison.Ordinal);

    private static async Task PutListsAsync(Settings s, SimUser[] users, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = s.Api, Timeout = TimeSpan.FromSeconds(60) };
        if (s.Token is { } token)
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        await ForEachAsync(Enumerable.Range(0, users.Length).ToList(), 16, async w =>
        {
            var entries = Enumerable.Range(1, s.ListSize).Select(k => new { uri = users[(w + k) % users.Length].Aor }).ToArray();
            using var response = await http.PutAsJsonAsync($"/api/users/{Uri.EscapeDataString(users[w].Aor)}/lists/buddies", new { entries }, ct)
                .ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
        }, ct).ConfigureAwait(false);
    }

    private static async Task PublishAsync(PresenceClient client, SimUser user, long seq, RequestStats stats)
    {
        try
        {
            await client.PublishAsync(user, PresenceDocuments.Pidf(user.Aor, seq, 0), stats).ConfigureAwait(false);
        }
        finally
        {
            user.Release();
        }
    }

    private static Task<ClientTransactionResult> SubscribeAsync(Dialog d, int expires, MethodStats stats, bool refresh = false)
    {
        var endpoint = d.Watcher.Endpoint;
        string branch = SipTransactionLayer.NewBranch();
        var request = SipMessageBuilder.Request(SipMethods.Subscribe, d.Target)
            .Add(HeaderId.Via, endpoint.Via(branch))
            .Add(HeaderId.MaxForwards, "70")
            .Add(HeaderId.From, $"<{d.Watcher.Aor}>;tag={d.FromTag}")
            .Add(HeaderId.To, refresh && d.ToTag is { } tag ? $"<{d.Target}>;tag={tag}" : $"<{d.Target}>")
            .Add(HeaderId.CallId, d.CallId)
            .Add(HeaderId.CSeq, Interlocked.Increment(ref d.CSeq).ToString(CultureInfo.InvariantCulture) + " SUBSCRIBE")
            .Add(HeaderId.Contact, $"<{endpoint.ContactUri(d.Watcher.Name)}>")
            .Add(HeaderId.Event, "presence")
            .Add(HeaderId.Accept, d.List ? "multipart/related, application/rlmi+xml, application/pidf+xml" : PresenceDocuments.ContentType)
            .Add(HeaderId.Expires, expires.ToString(CultureInfo.InvariantCulture))
            .Add(HeaderId.UserAgent, PresenceClient.UserAgent);
        if (d.List)
            request.Add(HeaderId.Supported, "eventlist");
        stats.OnSent();
        long sentAt = Stopwatch.GetTimestamp();
        return Complete(endpoint.SendAsync(request, branch), stats, sentAt);

        static async Task<ClientTransactionResult> Complete(Task<ClientTransactionResult> send, MethodStats stats, long sentAt)
        {
            var result = await send.ConfigureAwait(false);
            stats.OnResult(result, sentAt, Stopwatch.GetTimestamp());
            return result;
        }
    }

    private static async Task ForEachAsync<T>(IReadOnlyList<T> items, int concurrency, Func<T, Task> action, CancellationToken ct)
    {
        int next = -1;
        async Task Worker()
        {
            int i;
            while (!ct.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < items.Count)
                await action(items[i]).ConfigureAwait(false);
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, Math.Min(concurrency, items.Count))).Select(_ => Task.Run(Worker, CancellationToken.None))).ConfigureAwait(false);
    }

    // utime + stime of the server process in clock ticks (1/100 s), or 0 without a pid.
    private static (long Ticks, bool Known) Cpu(int? pid)
    {
        if (pid is not { } p || !File.Exists($"/proc/{p}/stat"))
            return (0, false);
        string stat = File.ReadAllText($"/proc/{p}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture), true);
    }

    private static Settings Parse(string[] args)
    {
        var s = new Settings();
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--mode": s.Mode = value is "list" or "direct" ? value : throw new ArgumentException("--mode is list or direct"); break;
                case "--server": s.Server = IPEndPoint.Parse(value); break;
                case "--api": s.Api = new Uri(value); break;
                case "--token": s.Token = value; break;
                case "--users": s.Users = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--list-size": s.ListSize = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rate": s.Rate = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--duration": s.Duration = TimeSpan.FromSeconds(Math.Min(3600, double.Parse(value, CultureInfo.InvariantCulture))); break;
                case "--setup-concurrency": s.SetupConcurrency = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--server-pid": s.ServerPid = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--expires": s.Expires = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--out": s.Out = value; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
            i++;
        }
        if (s.Users < 2 || s.ListSize < 1 || s.ListSize >= s.Users || s.Rate <= 0)
            throw new ArgumentException("--users must exceed --list-size, and --rate be positive");
        return s;
    }

    /// <summary>One subscription: a watcher's dialog with its list or with one buddy.</summary>
    private sealed class Dialog(SimUser watcher, string target, bool list)
    {
        public SimUser Watcher { get; } = watcher;
        public string Target { get; } = target;
        public bool List { get; } = list;
        public string CallId { get; } = $"{Guid.NewGuid():N}@{watcher.Endpoint.SentBy}";
        public string FromTag { get; } = ResponseRouting.NewTag();
        public string? ToTag { get; set; }
        public long CSeq;
        public TaskCompletionSource First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Answers every NOTIFY, and counts (while measuring) the NOTIFYs, their bytes, and each change each carries.</summary>
    private sealed class Sink : INotifySink
    {
        private long _notifies, _bytes, _measuredNotifies, _measuredBytes, _delivered;
        private volatile bool _measuring;
        private readonly ConcurrentDictionary<(long, int), byte> _seen = new();
        private readonly ConcurrentDictionary<(int Watcher, int User), long> _newest = new();
        private long _lastNotifyAt = Stopwatch.GetTimestamp();

        /// <summary>Which user each change was of.</summary>
        public ConcurrentDictionary<long, int> Changed { get; } = new();

        public long LastNotifyAt => Interlocked.Read(ref _lastNotifyAt);

        public bool Saw(long seq, int watcher) => _seen.ContainsKey((seq, watcher));

        public long NewestSeen(int watcher, int user) => _newest.GetValueOrDefault((watcher, user));

        public ConcurrentDictionary<string, Dialog> Dialogs { get; } = new();

        public ConcurrentDictionary<long, long> Sent { get; } = new();

        public LatencyHistogram Latency { get; } = new();

        public long Notifies => Interlocked.Read(ref _notifies);

        public long Bytes => Interlocked.Read(ref _bytes);

        public long MeasuredNotifies => Interlocked.Read(ref _measuredNotifies);

        public long MeasuredBytes => Interlocked.Read(ref _measuredBytes);

        public long Delivered => Interlocked.Read(ref _delivered);

        public void StartMeasuring() => _measuring = true;

        public void StopMeasuring() => _measuring = false;

        public int OnNotify(SipMessage notify, long receivedAt)
        {
            if (!Dialogs.TryGetValue(notify.CallId, out var dialog))
                return 481;
            Interlocked.Increment(ref _notifies);
            Interlocked.Add(ref _bytes, notify.Length);
            dialog.First.TrySetResult();
            if (!_measuring)
                return 200;
            Interlocked.Increment(ref _measuredNotifies);
            Interlocked.Add(ref _measuredBytes, notify.Length);
            Interlocked.Exchange(ref _lastNotifyAt, receivedAt);
            // Every change this NOTIFY carries (a list NOTIFY may carry several members' documents), once per watcher.
            var body = notify.Body.Span;
            while (true)
            {
                int at = body.IndexOf("lgm-"u8);
                if (at < 0)
                    break;
                body = body[(at + 4)..];
                if (!System.Buffers.Text.Utf8Parser.TryParse(body, out long seq, out int consumed) || consumed == 0)
                    continue;
                body = body[consumed..];
                if (Sent.TryGetValue(seq, out long sentAt) && _seen.TryAdd((seq, dialog.Watcher.Index), 0))
                {
                    Interlocked.Increment(ref _delivered);
                    Latency.RecordTicks(sentAt, receivedAt);
                    if (Changed.TryGetValue(seq, out int user))
                        _newest.AddOrUpdate((dialog.Watcher.Index, user), seq, (_, old) => Math.Max(old, seq));
                }
            }
            return 200;
        }
    }
}
