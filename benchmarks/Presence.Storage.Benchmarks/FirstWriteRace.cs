using Orleans.Storage;

namespace Presence.Storage.Benchmarks;

/// <summary>
/// Two activations of one new grain (a silo that has not yet let go of it, a split cluster) both read nothing and both
/// write their first state at once. A provider must accept at most one of the two writes; one that accepts both
/// keeps two states of one grain. Run after the load, on grains it never touched.
/// </summary>
public static class FirstWriteRace
{
    public static async Task<string> RunAsync(StorageTarget target, int firstGrain, int grains, int items)
    {
        int both = 0, one = 0, neither = 0, unreadable = 0;
        string? readFailure = null;
        for (var grain = firstGrain; grain < firstGrain + grains; grain++)
        {
            var first = target.CreateWriter(grain, items);
            var second = target.CreateWriter(grain, items);
            await first.ReadAsync().ConfigureAwait(false);
            await second.ReadAsync().ConfigureAwait(false);
            var accepted = await Task.WhenAll(TryAsync(first), TryAsync(second)).ConfigureAwait(false);
            switch (accepted.Count(a => a))
            {
                case 2: both++; break;
                case 1: one++; break;
                default: neither++; break;
            }

            try
            {
                await target.CreateWriter(grain, items).ReadAsync().ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                unreadable++;
                readFailure ??= $"{exception.GetType().Name}: {exception.Message}";
            }
        }

        return $"{grains} new grains, each written first by two activations at once: both writes accepted for {both}, one for {one}, "
            + $"neither for {neither}; {unreadable} grains unreadable after" + (readFailure is null ? "" : $" ({readFailure})");
    }

    private static async Task<bool> TryAsync(GrainWriter writer)
    {
        try
        {
            await writer.SeedAsync().ConfigureAwait(false);
            return true;
        }
        catch (InconsistentStateException)
        {
            return false;
        }
    }
}
