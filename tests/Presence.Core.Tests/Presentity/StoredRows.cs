using Presence.Core.Presentity;

namespace Presence.Core.Tests.Presentity;

/// <summary>
/// The rows a store would hold for one user after every write so far, applied as the stores apply a write
/// (deletes, then upserts), and a load from them: a restart or a move to another silo without a database.
/// </summary>
internal sealed class StoredRows
{
    private readonly Dictionary<(string Kind, string Key), byte[]> _rows = [];

    public bool Has(string kind, string key) => _rows.ContainsKey((kind, key));

    public IEnumerable<(string Kind, string Key, byte[] Payload)> Items => _rows.Select(r => (r.Key.Kind, r.Key.Key, r.Value));

    public PresentityChanges Apply(PresentityChanges changes)
    {
        foreach (var delete in changes.Deletes)
            _rows.Remove(delete);
        foreach (var (kind, key, payload) in changes.Upserts)
            _rows[(kind, key)] = payload;
        return changes;
    }

    public Core.Presentity.Presentity Load(string aor, DateTimeOffset now) => Core.Presentity.Presentity.Load(aor, Items, now);
}
