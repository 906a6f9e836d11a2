using System.Globalization;
using Orleans.Storage;

namespace Presence.Storage.Benchmarks;

/// <summary>
/// One grain's side of the load: it calls its provider's <see cref="IGrainStorage"/> as a grain's persistent state
/// does (read once, then write after write, the etag carried from each call to the next), one call at a time like
/// a non-reentrant grain. Each write changes one subscription, the <c>n</c>-th write the <c>n mod items</c>-th.
/// </summary>
public abstract class GrainWriter(IGrainStorage storage, int grain, int items)
{
    /// <summary>The state name our presentity grains use (<c>[PersistentState("presentity", ...)]</c>).</summary>
    public const string StateName = "presentity";

    /// <summary>Our presentity grains' type (PresentityGrain.GrainTypeName).</summary>
    public const string GrainType = "presentity";

    protected IGrainStorage Storage { get; } = storage;

    protected int Grain { get; } = grain;

    protected int Items { get; } = items;

    public GrainId GrainId { get; } = GrainId.Create(GrainType, $"sip:user{grain}@example.com");

    /// <summary>The version (etag) the last <see cref="ReadAsync"/> found: 0 for none.</summary>
    public long StoredVersion { get; protected set; }

    /// <summary>Counts the grain's writes: what the next change is. Continues from the stored version after a read.</summary>
    protected long Revision { get; set; }

    /// <summary>Reads the grain's state (as an activation does); the etag it gets is the one the next write sends.</summary>
    public abstract Task ReadAsync();

    /// <summary>Writes the grain's first state: all its items. Call after a <see cref="ReadAsync"/> found nothing.</summary>
    public abstract Task SeedAsync();

    /// <summary>Prepares the next write's change (not timed: a grain computes it before it writes).</summary>
    public abstract void StageNext();

    /// <summary>The timed call: one <see cref="IGrainStorage.WriteStateAsync{T}"/>.</summary>
    public abstract Task WriteAsync();

    protected static long VersionOf(string? etag) =>
        long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out long version) ? version : 0;

    protected static DateTimeOffset DueAt(long revision) => DateTimeOffset.FromUnixTimeSeconds(1_800_000_000 + revision * 3600);
}
