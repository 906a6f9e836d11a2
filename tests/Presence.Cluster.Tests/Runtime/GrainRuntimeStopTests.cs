namespace Presence.Cluster.Tests.Runtime;

/// <summary>Stopping: queued turns finish, grains may still call each other meanwhile, nothing new gets in.</summary>
public sealed class GrainRuntimeStopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Stopping_drains_every_queued_turn_then_refuses_new_ones()
    {
        var harness = await RuntimeHarness.StartAsync();
        var runtime = harness.Runtime;
        var turns = Enumerable.Range(0, 300)
            .Select(i => runtime.InvokeAsync($"sip:user{i % 10}@example.com", async grain => { await grain.ProbeAsync(i); return 1; }))
            .Concat(Enumerable.Range(0, 10).Select(i => runtime.InvokeAsync($"sip:user{i}@example.com", async grain => (int)await grain.IncrementAsync())))
            .ToArray();

        await runtime.StopAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.All(turns, turn => Assert.True(turn.IsCompletedSuccessfully));
        await Assert.ThrowsAsync<InvalidOperationException>(() => harness.CountAsync("sip:user0@example.com"));
        runtime.Post("sip:user0@example.com", _ => ValueTask.CompletedTask);
        Assert.Contains(2041, harness.Logger.EventIds);
        await harness.DisposeAsync();
    }

    [Fact]
    public async Task A_grain_may_call_another_grain_while_the_runtime_drains()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var runtime = harness.Runtime;
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var caller = runtime.InvokeAsync("sip:alice@example.com", async _ =>
        {
            await proceed.Task;
            return await runtime.InvokeAsync("sip:bob@example.com", grain => grain.IncrementAsync());
        });
        var stopping = runtime.StopAsync(CancellationToken.None);
        proceed.SetResult();

        Assert.Equal(1, await caller.WaitAsync(Patience));
        await stopping.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_stop_that_gives_up_fails_the_turns_still_queued()
    {
        await using var harness = await RuntimeHarness.StartAsync();
        var runtime = harness.Runtime;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var released = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = runtime.InvokeAsync("sip:alice@example.com", async _ =>
        {
            started.SetResult();
            return await released.Task;
        });
        var queued = runtime.InvokeAsync("sip:alice@example.com", grain => grain.IncrementAsync());
        await started.Task.WaitAsync(Patience);

        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await runtime.StopAsync(giveUp.Token).WaitAsync(Patience);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(Patience));
        Assert.Contains(2033, harness.Logger.EventIds);
        // The turn that was running still finishes and answers its caller.
        released.SetResult(7);
        Assert.Equal(7, await stuck.WaitAsync(Patience));
    }
}
