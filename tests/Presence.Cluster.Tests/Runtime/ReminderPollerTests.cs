using Presence.Cluster.Runtime;
using Presence.Cluster.Tests.Storage;

namespace Presence.Cluster.Tests.Runtime;

/// <summary>The persisted due time wakes grains that are not in memory: on real time, with short intervals.</summary>
public sealed class ReminderPollerTests
{
    private const string Key = "sip:alice@example.com";

    private static GrainRuntimeOptions Options => new()
    {
        Workers = 2,
        IdleTimeout = TimeSpan.FromMilliseconds(100),
        ReminderPollInterval = TimeSpan.FromMilliseconds(100),
    };

    [Fact]
    public async Task A_grain_deactivated_while_idle_is_woken_when_its_expiry_comes()
    {
        await using var harness = await RuntimeHarness.StartAsync(Options);
        await harness.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync(TimeSpan.FromMilliseconds(800)));
        var expiresAt = (await harness.Factory.Store.ReadAsync("counter", Key, CancellationToken.None))!.NextDueAt!.Value;

        await Eventually.TrueAsync(() => harness.Runtime.ActiveCount == 0, "idle deactivation");
        Assert.Empty(harness.Factory.DueCalls);

        await Eventually.TrueAsync(() => !harness.Factory.DueCalls.IsEmpty, "the poller waking the grain");
        var (_, now) = Assert.Single(harness.Factory.DueCalls);
        Assert.True(now >= expiresAt, $"expiry work ran at {now:O}, before the due time {expiresAt:O}");
        Assert.Equal(2, harness.Factory.ActivationsOf(Key));
        var stored = await harness.Factory.Store.ReadAsync("counter", Key, CancellationToken.None);
        Assert.Null(stored!.NextDueAt);
    }

    [Fact]
    public async Task An_expiry_that_fell_due_while_no_runtime_ran_is_acted_on_at_start()
    {
        var database = new TempDatabase();
        var before = await RuntimeHarness.StartAsync(Options with { ReminderPollInterval = TimeSpan.FromHours(1) }, database: database);
        await before.Runtime.InvokeAsync(Key, grain => grain.IncrementAsync(TimeSpan.FromMilliseconds(50)));
        await before.DisposeAsync(keepDatabase: true);
        Assert.Empty(before.Factory.DueCalls);
        await Task.Delay(100);

        await using var after = await RuntimeHarness.StartAsync(Options, database: database);

        await Eventually.TrueAsync(() => !after.Factory.DueCalls.IsEmpty, "the expiry work after the restart");
        Assert.Equal(0, await after.CountAsync(Key));
    }
}
