using Presence.Cluster.Runtime;
using Presence.Cluster.Tests.Storage;

namespace Presence.Cluster.Tests.Runtime;

/// <summary>The persisted due time wakes grains that are not in memory, on a clock the test moves.</summary>
public sealed class ReminderPollerTests
{
    private const string Key = "sip:alice@example.com";
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    private static GrainRuntimeOptions Options => new()
    {
        Workers = 2,
        IdleTimeout = TimeSpan.FromSeconds(2),
        ReminderPollInterval = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task A_grain_deactivated_while_idle_is_woken_by_the_poller_and_expires_on_time()
    {
        var clock = new ManualTimeProvider(T0);
        await using var harness = await RuntimeHarness.StartAsync(Options, clock);
        await harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync(TimeSpan.FromSeconds(10)));

        clock.Advance(TimeSpan.FromSeconds(3));
        await Eventually.TrueAsync(() => harness.Runtime.ActiveCount == 0, "idle deactivation");

        // The poll at T0+9s looks one interval ahead, sees the expiry at T0+10s and activates the grain.
        clock.Advance(TimeSpan.FromSeconds(6));
        await Eventually.TrueAsync(() => harness.Runtime.ActiveCount == 1, "the poller waking the grain");
        await harness.SettleAsync(Key);
        Assert.Empty(harness.Factory.DueCalls);

        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => !harness.Factory.DueCalls.IsEmpty, "the expiry work");

        Assert.Equal(T0.AddSeconds(10), Assert.Single(harness.Factory.DueCalls).Now);
        Assert.Equal(2, harness.Factory.ActivationsOf(Key));
        Assert.Equal(0, await harness.CountAsync(Key));
        Assert.Null((await harness.Factory.Store.ReadAsync("counter", Key, CancellationToken.None))!.NextDueAt);
    }

    [Fact]
    public async Task An_expiry_that_fell_due_while_no_runtime_ran_is_acted_on_at_start()
    {
        var clock = new ManualTimeProvider(T0);
        var database = new TempDatabase();
        var before = await RuntimeHarness.StartAsync(Options, clock, database);
        await before.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync(TimeSpan.FromSeconds(10)));
        await before.DisposeAsync(keepDatabase: true);

        clock.Advance(TimeSpan.FromMinutes(1));
        await using var after = await RuntimeHarness.StartAsync(Options, clock, database);

        // No clock movement needed: the first poll runs at start and the overdue grain is handled at once.
        await Eventually.TrueAsync(() => !after.Factory.DueCalls.IsEmpty, "the expiry work after the restart");
        Assert.Equal(T0.AddMinutes(1), Assert.Single(after.Factory.DueCalls).Now);
        Assert.Empty(before.Factory.DueCalls);
        Assert.Equal(0, await after.CountAsync(Key));
    }
}
