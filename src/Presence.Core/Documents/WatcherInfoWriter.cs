using System.Text;

namespace Presence.Core.Documents;

/// <summary>One watcher as a watcher-information document lists it (RFC 3858 §4.4).</summary>
/// <param name="Id">Stable per subscription, so partial documents update the right entry.</param>
/// <param name="Status">active, pending, waiting or terminated.</param>
/// <param name="Event">What happened: subscribe, approved, deactivated, probation, rejected, timeout, giveup, noresource.</param>
public sealed record WatcherEntry(string Id, string Uri, string Status, string Event, int? DurationSubscribed = null);

/// <summary>
/// Writes application/watcherinfo+xml (RFC 3858): the list of a user's presence watchers, full or partial.
/// The version rises by one with each document sent in a subscription (§4.2), so a subscriber can tell when
/// it missed one and ask again.
/// </summary>
public static class WatcherInfoWriter
{
    public const string ContentType = "application/watcherinfo+xml";

    public static byte[] Write(string resource, long version, bool full, IEnumerable<WatcherEntry> watchers)
    {
        var b = new StringBuilder(256);
        b.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.Append("<watcherinfo xmlns=\"urn:ietf:params:xml:ns:watcherinfo\" version=\"")
            .Append(version.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Append("\" state=\"").Append(full ? "full" : "partial").Append("\">\n");
        b.Append("  <watcher-list resource=\"").Append(Escape(resource)).Append("\" package=\"presence\">\n");
        foreach (var w in watchers)
        {
            b.Append("    <watcher id=\"").Append(Escape(w.Id)).Append("\" status=\"").Append(w.Status)
                .Append("\" event=\"").Append(w.Event).Append('"');
            if (w.DurationSubscribed is int d)
                b.Append(" duration-subscribed=\"").Append(d.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('"');
            b.Append('>').Append(Escape(w.Uri)).Append("</watcher>\n");
        }
        b.Append("  </watcher-list>\n</watcherinfo>\n");
        return Encoding.UTF8.GetBytes(b.ToString());
    }

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? string.Empty;
}
