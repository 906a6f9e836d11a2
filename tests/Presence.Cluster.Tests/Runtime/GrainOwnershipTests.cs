using Presence.Cluster.Runtime;

namespace Presence.Cluster.Tests.Runtime;

/// <summary>A runtime that is one silo of a cluster: it activates only what it owns, waits for handovers, and lets go.</summary>
public sealed class GrainOwnershipTests
{
    private const int Partitions = 4096;

    [Fact]
    public async Task A_grain_of_a_partition_not_owned_is_not_activated()
    {
        var ownership = new SwitchableOwnership();
        await using var harness = await RuntimeHarness.StartAsync(ownership: ownership);
        ownership.Disown(Part("alice"));

        await Assert.ThrowsAsync<PartitionNotOwnedException>(() => harness.CountAsync("alice"));
        Assert.Equal(0, harness.Factory.ActivationsOf("alice"));
        Assert.Equal(0, harness.Runtime.ActiveCount);
    }

    [Fact]
    public async Task Activation_waits_while_the_previous_owner_hands_over()
    {
        var ownership = new SwitchableOwnership();
        await using var harness = await RuntimeHarness.StartAsync(ownership: ownership);
        var gate = ownership.Hold(Part("bob"));

        var turn = harness.Runtime.InvokeAsync("bob", grain => grain.IncrementAsync());
        await Task.Delay(100);
        Assert.False(turn.IsCompleted, "the grain ran before the handover finished");
        Assert.Equal(0, harness.Factory.ActivationsOf("bob"));
        // Other partitions are not held up by one in handover.
        Assert.Equal(1, await harness.Runtime.InvokeAsync("carol", grain => grain.IncrementAsync()));

        gate.SetResult();
        Assert.Equal(1, await turn.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Release_deactivates_the_grains_of_lost_partitions_after_their_turns_and_keeps_the_rest()
    {
        var ownership = new SwitchableOwnership();
        await using var harness = await RuntimeHarness.StartAsync(ownership: ownership);
        var keys = Enumerable.Range(0, 40).Select(i => $"user{i}").ToArray();
        foreach (var key in keys)
            await harness.Runtime.InvokeAsync(key, grain => grain.IncrementAsync());
        var lost = keys.Where(k => Part(k) % 2 == 0).ToHashSet();
        Assert.NotEmpty(lost);
        Assert.True(lost.Count < keys.Length);

        foreach (var key in lost)
            ownership.Disown(Part(key));
        await harness.Runtime.ReleaseAsync(p => p % 2 == 0, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(keys.Length - lost.Count, harness.Runtime.ActiveCount);
        // The lost ones no longer activate here; the kept ones still answer from memory (one activation each).
        await Assert.ThrowsAsync<PartitionNotOwnedException>(() => harness.CountAsync(lost.First()));
        var kept = keys.First(k => !lost.Contains(k));
        Assert.Equal(1, await harness.CountAsync(kept));
        Assert.Equal(1, harness.Factory.ActivationsOf(kept));
    }

    private static int Part(string key) => PartitionHash.PartitionOf(key, Partitions);

    private sealed class SwitchableOwnership : IPartitionOwnership
    {
        private readonly HashSet<int> _disowned = [];
        private readonly Dictionary<int, TaskCompletionSource> _held = [];

        public void Disown(int partition)
        {
            lock (_disowned)
                _disowned.Add(partition);
        }

        public TaskCompletionSource Hold(int partition)
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_disowned)
                _held[partition] = gate;
            return gate;
        }

        public bool Owns(int partition)
        {
            lock (_disowned)
                return !_disowned.Contains(partition);
        }

        public async ValueTask WaitServableAsync(int partition, CancellationToken ct)
        {
            if (!Owns(partition))
                throw new PartitionNotOwnedException(partition);
            TaskCompletionSource? gate;
            lock (_disowned)
                _held.TryGetValue(partition, out gate);
            if (gate is not null)
                await gate.Task.WaitAsync(ct);
        }
    }
}
