using Presence.Cluster.Runtime;

namespace Presence.Cluster.Tests.Runtime;

/// <summary>The per-worker due queue on its own: one timer for the earliest entry, stale entries dropped.</summary>
public sealed class DueScheduleTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
    private readonly ManualTimeProvider _clock = new(T0);
    private int _fired;

    [Fact]
    public void The_timer_fires_at_the_earliest_due_time_and_takes_only_what_is_due()
    {
        using var schedule = NewSchedule(TimeSpan.Zero);
        var early = ActiveSlot("early");
        var late = ActiveSlot("late");
        schedule.Schedule(late, T0.AddSeconds(5), liveSlots: 2);
        schedule.Schedule(early, T0.AddSeconds(2), liveSlots: 2);

        _clock.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(0, _fired);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _fired);

        Assert.Equal(["early"], TakeDue(schedule));
        _clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(2, _fired);
        Assert.Equal(["late"], TakeDue(schedule));
    }

    [Fact]
    public void A_time_already_past_fires_at_once()
    {
        using var schedule = NewSchedule(TimeSpan.Zero);

        schedule.Schedule(ActiveSlot("overdue"), T0.AddSeconds(-1), liveSlots: 1);

        Assert.Equal(1, _fired);
        Assert.Equal(["overdue"], TakeDue(schedule));
    }

    [Fact]
    public void Entries_of_a_re_armed_or_deactivated_grain_are_ignored()
    {
        using var schedule = NewSchedule(TimeSpan.Zero);
        var moved = ActiveSlot("moved");
        var gone = ActiveSlot("gone");
        schedule.Schedule(moved, T0.AddSeconds(1), liveSlots: 2);
        schedule.Schedule(gone, T0.AddSeconds(1), liveSlots: 2);
        schedule.Schedule(moved, T0.AddSeconds(3), liveSlots: 2);
        gone.Deactivate();

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(TakeDue(schedule));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["moved"], TakeDue(schedule));
    }

    [Fact]
    public void An_earlier_entry_that_the_armed_timer_serves_within_the_slack_does_not_re_arm_it()
    {
        using var schedule = NewSchedule(TimeSpan.FromMilliseconds(20));
        schedule.Schedule(ActiveSlot("a"), T0.AddMilliseconds(1010), liveSlots: 2);
        schedule.Schedule(ActiveSlot("b"), T0.AddMilliseconds(1000), liveSlots: 2);

        // The timer stays at 1010 ms: b fires 10 ms late, within the slack, together with a.
        _clock.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.Equal(0, _fired);
        _clock.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, _fired);
        Assert.Equal(["b", "a"], TakeDue(schedule));
    }

    [Fact]
    public void Refreshing_one_grain_many_times_does_not_grow_the_queue_without_bound()
    {
        using var schedule = NewSchedule(TimeSpan.Zero);
        var slot = ActiveSlot("refreshed");

        for (var i = 1; i <= 10_000; i++)
        {
            schedule.Schedule(slot, T0.AddSeconds(3600 + i), liveSlots: 1);
        }

        Assert.InRange(schedule.Count, 1, 1027);
        _clock.Advance(TimeSpan.FromSeconds(3600 + 10_000));
        Assert.Equal(["refreshed"], TakeDue(schedule));
    }

    private DueSchedule<StubGrain> NewSchedule(TimeSpan slack) => new(_clock, slack, () => Interlocked.Increment(ref _fired));

    private string[] TakeDue(DueSchedule<StubGrain> schedule)
    {
        var due = new List<GrainSlot<StubGrain>>();
        schedule.TakeDue(_clock.GetUtcNow(), due);
        return [.. due.Select(slot => slot.Key)];
    }

    private static GrainSlot<StubGrain> ActiveSlot(string key)
    {
        var slot = new GrainSlot<StubGrain>(key);
        slot.Activate(new StubGrain(key));
        return slot;
    }

    internal sealed class StubGrain(string key) : IGrain
    {
        public string Key { get; } = key;

        public DateTimeOffset? NextDueAt => null;

        public bool CanDeactivate => true;

        public ValueTask OnDueAsync(DateTimeOffset now, CancellationToken ct) => ValueTask.CompletedTask;
    }
}
