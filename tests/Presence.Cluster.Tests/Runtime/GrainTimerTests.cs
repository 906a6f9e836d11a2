using Presence.Cluster.Runtime;

namespace Presence.Cluster.Tests.Runtime;

/// <summary>Due timers and idle deactivation, on a clock the test moves.</summary>
public sealed class GrainTimerTests : IAsyncLifetime
{
    private const string Key = "sip:alice@example.com";
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
    private readonly ManualTimeProvider _clock = new(T0);
    private RuntimeHarness _harness = null!;

    // A poll interval far beyond what the tests advance, so only the per-worker timers act here.
    private static GrainRuntimeOptions Options => new()
    {
        Workers = 2,
        IdleTimeout = TimeSpan.FromMinutes(1),
        ReminderPollInterval = TimeSpan.FromHours(1),
    };

    public async Task InitializeAsync() => _harness = await RuntimeHarness.StartAsync(Options, _clock);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task The_due_timer_runs_the_expiry_work_at_the_due_time_not_before()
    {
        await _harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync(TimeSpan.FromSeconds(5)));

        _clock.Advance(TimeSpan.FromMilliseconds(4999));
        await _harness.SettleAsync(Key);
        Assert.Empty(_harness.Factory.DueCalls);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.TrueAsync(() => !_harness.Factory.DueCalls.IsEmpty, "the expiry work");

        var (key, now) = Assert.Single(_harness.Factory.DueCalls);
        Assert.Equal((Key, T0.AddSeconds(5)), (key, now));
        Assert.Equal(0, await _harness.CountAsync(Key));
        var stored = await _harness.Factory.Store.ReadAsync("counter", Key, CancellationToken.None);
        Assert.Null(stored!.NextDueAt);
    }

    [Fact]
    public async Task A_turn_that_moves_the_due_time_re_arms_the_timer_and_the_old_time_is_forgotten()
    {
        await _harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync(TimeSpan.FromSeconds(10)));
        await _harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync(TimeSpan.FromSeconds(2)));

        _clock.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => !_harness.Factory.DueCalls.IsEmpty, "the expiry work at the earlier time");
        _clock.Advance(TimeSpan.FromSeconds(10));
        await _harness.SettleAsync(Key);

        Assert.Equal([T0.AddSeconds(2)], _harness.Factory.DueCalls.Select(call => call.Now));
    }

    [Fact]
    public async Task A_cleared_due_time_fires_nothing()
    {
        await _harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync(TimeSpan.FromSeconds(5)));
        await _harness.Runtime.InvokeAsync(Key, async grain => { await grain.ClearExpiryAsync(); return 0; });

        _clock.Advance(TimeSpan.FromSeconds(30));
        await _harness.SettleAsync(Key);

        Assert.Empty(_harness.Factory.DueCalls);
        Assert.Equal(1, await _harness.CountAsync(Key));
    }

    [Fact]
    public async Task Expiry_work_that_leaves_the_due_time_behind_is_retried_a_poll_interval_later_not_at_once()
    {
        // Kept in memory: a reactivated grain would act on its overdue time at once, which is right but not this test.
        _harness.Factory.AllowDeactivation = false;
        await _harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync(TimeSpan.FromSeconds(1)));
        await _harness.Runtime.InvokeAsync(Key, grain => { grain.SkipNextDue = true; return ValueTask.FromResult(0); });

        _clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => _harness.Factory.DueCalls.Count == 1, "the first expiry work");
        await _harness.SettleAsync(Key);
        _clock.Advance(TimeSpan.FromMinutes(59));
        await _harness.SettleAsync(Key);
        Assert.Single(_harness.Factory.DueCalls);

        _clock.Advance(TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(() => _harness.Factory.DueCalls.Count == 2, "the retried expiry work");
        Assert.Equal(0, await _harness.CountAsync(Key));
    }

    [Fact]
    public async Task An_idle_grain_is_deactivated_and_its_next_turn_reads_its_state_again()
    {
        await _harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync());
        await _harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync());
        Assert.Equal(1, _harness.Runtime.ActiveCount);

        _clock.Advance(TimeSpan.FromSeconds(90));
        await Eventually.TrueAsync(() => _harness.Runtime.ActiveCount == 0, "idle deactivation");

        Assert.Equal(2, await _harness.CountAsync(Key));
        Assert.Equal(2, _harness.Factory.ActivationsOf(Key));
    }

    [Fact]
    public async Task A_grain_that_cannot_deactivate_stays_until_it_can()
    {
        _harness.Factory.AllowDeactivation = false;
        await _harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync());

        // The settling turn queues behind the sweeps the advance set off on the grain's worker.
        _clock.Advance(TimeSpan.FromMinutes(5));
        await _harness.SettleAsync(Key);
        Assert.Equal(1, _harness.Runtime.ActiveCount);

        _harness.Factory.AllowDeactivation = true;
        _clock.Advance(TimeSpan.FromMinutes(2));
        await Eventually.TrueAsync(() => _harness.Runtime.ActiveCount == 0, "deactivation once allowed");
        Assert.Equal(1, _harness.Factory.ActivationsOf(Key));
    }
}
