using System.Diagnostics;
using Presence.Core.Presentity;

namespace Presence.Core.Benchmarks;

/// <summary>
/// Memory per user and per subscription of activated users (issue 7: at most 1 KB per subscription). Each user
/// is made the way a silo's grain holds it after activation: built through the presence logic (one registration,
/// <c>--watchers</c> subscriptions), its rows taken, then loaded back from those rows (<see cref="Presentity.Presentity.Load"/>),
/// which is what a grain's activation does. The loaded users stay referenced while the managed heap is measured
/// after a full, compacting collection. Not counted: the runtime's slot per active grain (a few hundred bytes per
/// user, not per subscription) and the store.
///
///   dotnet run -c Release --project benchmarks/Presence.Core.Benchmarks -- memory --users 1000000 --watchers 10
/// </summary>
public static class MemoryFootprint
{
    public static int Run(string[] args)
    {
        int users = Option(args, "--users", 100_000), watchers = Option(args, "--watchers", 10);
        var now = new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
        var clock = Stopwatch.StartNew();
        long before = Heap();
        var held = new Presentity.Presentity[users];
        for (var u = 0; u < users; u++)
        {
            var aor = $"sip:user{u}@example.com";
            var built = new Presentity.Presentity(aor);
            built.Register(new RegisterRequest([new ContactRequest($"sip:user{u}@10.{u >> 16 & 255}.{u >> 8 & 255}.{u & 255}:5060", null, null, null)],
                false, 3600, $"reg-{u}", 1, $"udp:10.{u >> 16 & 255}.{u >> 8 & 255}.{u & 255}:5060"), now);
            for (var w = 0; w < watchers; w++)
            {
                var watcher = (u + 1 + w * 7919) % users;
                built.Subscribe(new SubscribeRequest(
                    $"{u}-{w}@10.0.0.1", $"t{w}", null, $"sip:user{watcher}@example.com", $"sip:user{watcher}@example.com",
                    $"sip:user{watcher}@10.0.{watcher >> 8 & 255}.{watcher & 255}:5060", [], null, 3600, AcceptsDocument: true,
                    Flow: $"udp:10.0.{watcher >> 8 & 255}.{watcher & 255}:5060"), now);
            }
            var rows = built.TakeChanges().Upserts.ToList();
            var loaded = Presentity.Presentity.Load(aor, rows, now);
            loaded.TakeChanges();
            held[u] = loaded;
            if ((u + 1) % 100_000 == 0)
                Console.Error.WriteLine($"{u + 1:N0} users in {clock.Elapsed.TotalSeconds:F0} s");
        }
        long after = Heap();
        long bytes = after - before;
        long subscriptions = (long)users * watchers;
        Console.WriteLine($"| {users:N0} | {subscriptions:N0} | {bytes / 1048576.0:N0} MiB | {bytes / (double)users:N0} B | "
            + $"{(bytes - users * PerUserWithoutSubscriptions(now)) / (double)subscriptions:N0} B | {Environment.WorkingSet / 1048576.0:N0} MiB |");
        GC.KeepAlive(held);
        return 0;
    }

    // What a user with one registration and no watcher costs, to separate the per-subscription cost.
    private static long PerUserWithoutSubscriptions(DateTimeOffset now)
    {
        const int sample = 20_000;
        long before = Heap();
        var held = new Presentity.Presentity[sample];
        for (var u = 0; u < sample; u++)
        {
            var aor = $"sip:solo{u}@example.com";
            var built = new Presentity.Presentity(aor);
            built.Register(new RegisterRequest([new ContactRequest($"sip:solo{u}@10.9.{u >> 8 & 255}.{u & 255}:5060", null, null, null)],
                false, 3600, $"reg-{u}", 1, $"udp:10.9.{u >> 8 & 255}.{u & 255}:5060"), now);
            held[u] = Presentity.Presentity.Load(aor, built.TakeChanges().Upserts.ToList(), now);
            held[u].TakeChanges();
        }
        long bytes = Heap() - before;
        GC.KeepAlive(held);
        return bytes / sample;
    }

    private static long Heap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var value) ? value : fallback;
    }
}
