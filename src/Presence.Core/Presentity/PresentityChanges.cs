using Presence.Core.Model;

namespace Presence.Core.Presentity;

/// <summary>
/// What one turn of a presentity changed: the stored items to write or delete, history to append, and NOTIFYs
/// to send. The host writes first and answers 2xx only after the write is durable, then sends the NOTIFYs.
/// </summary>
public sealed class PresentityChanges
{
    private readonly Dictionary<(string Kind, string Key), byte[]?> _items = [];

    public IReadOnlyDictionary<(string Kind, string Key), byte[]?> Items => _items;

    public List<HistoryEntry> History { get; } = [];

    public List<NotifyEffect> Notifies { get; } = [];

    /// <summary>True when something must be written before answering.</summary>
    public bool HasWrites => _items.Count > 0 || History.Count > 0;

    public IEnumerable<(string Kind, string Key, byte[] Payload)> Upserts =>
        _items.Where(i => i.Value is not null).Select(i => (i.Key.Kind, i.Key.Key, i.Value!));

    public IEnumerable<(string Kind, string Key)> Deletes => _items.Where(i => i.Value is null).Select(i => i.Key);

    internal void Upsert(string kind, string key, byte[] payload) => _items[(kind, key)] = payload;

    internal void Delete(string kind, string key) => _items[(kind, key)] = null;
}
