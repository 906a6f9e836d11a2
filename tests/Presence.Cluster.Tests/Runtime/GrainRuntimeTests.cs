using Presence.Cluster.Runtime;

namespace Presence.Cluster.Tests.Runtime;

/// <summary>Turns: one at a time per grain, in order, in parallel across workers; activation and failures.</summary>
public sealed class GrainRuntimeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Turns_of_one_grain_never_overlap_and_run_in_arrival_order_under_load()
    {
        await using var harness = await RuntimeHarness.StartAsync(new GrainRuntimeOptions { Workers = 2 });
        var runtime = harness.Runtime;
        string[] keys = [.. Enumerable.Range(0, 12).Select(i => $"sip:load{i}@example.com")];

        // One producer per key (so arrival order is defined), all producers at once; every tenth turn
        // writes through the group committer, the others yield halfway through.
        await Task.WhenAll(keys.Select(key => Task.Run(async () =>
        {
            var turns = new List<Task>();
            for (var sequence = 0; sequence < 200; sequence++)
            {
                var s = sequence;
                turns.Add(s % 10 == 0
                    ? runtime.InvokeAsync(key, async grain => { await grain.ProbeAsync(s); return await grain.IncrementAsync(); })
                    : runtime.InvokeAsync(key, grain => grain.ProbeAsync(s)));
            }

            await Task.WhenAll(turns).WaitAsync(Patience);
        })));

        foreach (var key in keys)
        {
            var (seen, maxInside, count) = await runtime.InvokeAsync(
                key, grain => ValueTask.FromResult((grain.Seen.ToArray(), grain.MaxInside, grain.Count)));
            Assert.Equal(Enumerable.Range(0, 200), seen);
            Assert.Equal(1, maxInside);
            Assert.Equal(20, count);
        }
    }

    [Fact]
    public async Task A_grain_is_activated_once_however_many_first_turns_arrive_together()
    {
        await using var harness = await RuntimeHarness.StartAsync();

        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => harness.CountAsync("sip:alice@example.com"))));

        Assert.Equal(1, harness.Factory.ActivationsOf("sip:alice@example.com"));
        Assert.Equal(1, harness.Runtime.ActiveCount);
    }

    [Fact]
    public async Task Grains_on_different_workers_run_at_the_same_time()
    {
        await using var harness = await RuntimeHarness.StartAsync(new GrainRuntimeOptions { Workers = 2 });
        var (first, second) = KeysOnWorkers(0, 1, workers: 2);
        using var barrier = new Barrier(2);

        // Each turn blocks until the other one is running too: only true parallelism lets both through.
        var turns = new[] { first, second }.Select(key =>
            harness.Runtime.InvokeAsync(key, _ => ValueTask.FromResult(barrier.SignalAndWait(Patience))));

        var passed = await Task.WhenAll(turns).WaitAsync(Patience);
        Assert.Equal([true, true], passed);
    }

    [Fact]
    public async Task A_turn_that_awaits_does_not_hold_up_other_grains_of_its_worker()
    {
        await using var harness = await RuntimeHarness.StartAsync(new GrainRuntimeOptions { Workers = 1 });
        var released = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var waiting = harness.Runtime.InvokeAsync("sip:alice@example.com", async _ => await released.Task);
        var other = await harness.Runtime.InvokeAsync("sip:bob@example.com", grain => grain.IncrementAsync()).WaitAsync(Patience);
        released.SetResult(42);

        Assert.Equal(1, other);
        Assert.Equal(42, await waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_failed_turn_reaches_its_caller_and_the_grain_restarts_from_the_store()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        const string Key = "sip:alice@example.com";
        await harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => harness.Runtime.InvokeAsync(Key, grain => grain.CorruptAndThrow()));

        Assert.Equal("turn failed on purpose", error.Message);
        Assert.Equal(1, await harness.CountAsync(Key));
        Assert.Equal(2, harness.Factory.ActivationsOf(Key));
        Assert.Contains(2034, harness.Logger.EventIds);
        Assert.Equal(2, await harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync()));
    }

    [Fact]
    public async Task A_failed_activation_fails_its_turn_and_the_next_turn_activates_again()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        harness.Factory.FailActivations = 1;

        await Assert.ThrowsAsync<IOException>(() => harness.CountAsync("sip:alice@example.com"));

        Assert.Equal(0, harness.Runtime.ActiveCount);
        Assert.Equal(0, await harness.CountAsync("sip:alice@example.com"));
        Assert.Equal(2, harness.Factory.ActivationsOf("sip:alice@example.com"));
        Assert.Contains(2035, harness.Logger.EventIds);
    }

    [Fact]
    public async Task Posted_turns_run_in_order_and_a_failing_one_is_logged_without_stopping_the_next()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        const string Key = "sip:alice@example.com";

        harness.Runtime.Post(Key, async grain => await grain.IncrementAsync());
        harness.Runtime.Post(Key, _ => throw new InvalidOperationException("posted turn failed on purpose"));
        harness.Runtime.Post(Key, async grain => await grain.IncrementAsync());

        // The failure deactivated the grain; the third turn re-read 1 from the store and made it 2.
        Assert.Equal(2, await harness.CountAsync(Key));
        Assert.Contains(2034, harness.Logger.EventIds);
    }

    [Fact]
    public async Task A_caller_that_gives_up_before_its_turn_starts_skips_the_turn()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        const string Key = "sip:alice@example.com";
        var released = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocking = harness.Runtime.InvokeAsync(Key, async _ => await released.Task);
        using var giveUp = new CancellationTokenSource();

        var skipped = harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync(), giveUp.Token);
        await giveUp.CancelAsync();
        released.SetResult(0);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => skipped);
        await blocking;
        Assert.Equal(0, await harness.CountAsync(Key));
    }

    [Fact]
    public void Options_that_cannot_work_are_refused_by_name()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new GrainRuntimeOptions { Partitions = 4, Workers = 8 }.Validate());
        Assert.Equal("Workers", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GrainRuntimeOptions { IdleTimeout = TimeSpan.Zero }.Validate());
        new GrainRuntimeOptions().Validate();
    }

    /// <summary>Two keys whose partitions land on the given workers.</summary>
    private static (string First, string Second) KeysOnWorkers(int firstWorker, int secondWorker, int workers)
    {
        var partitions = new GrainRuntimeOptions().Partitions;
        string Find(int worker) => Enumerable.Range(0, 1000)
            .Select(i => $"sip:user{i}@example.com")
            .First(key => PartitionHash.PartitionOf(key, partitions) % workers == worker);
        return (Find(firstWorker), Find(secondWorker));
    }
}
