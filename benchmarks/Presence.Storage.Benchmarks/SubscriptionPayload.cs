using System.Globalization;
using System.Text;

namespace Presence.Storage.Benchmarks;

/// <summary>
/// The changing part of a presentity: one watcher's subscription as a grain would store it, about
/// <see cref="Length"/> bytes of text. Both providers write the same text (ours as the item's bytes, Persistence.AdoNet
/// inside the whole state), so the comparison is of how they store, not of what.
/// </summary>
public static class SubscriptionPayload
{
    /// <summary>The size of one subscription's payload, in bytes (ASCII).</summary>
    public const int Length = 300;

    /// <summary>The item kind our grains store subscriptions under (Presence.Core's PresentityItems.SubscriptionKind).</summary>
    public const string Kind = "subscription";

    /// <summary>The key of a grain's <paramref name="item"/>-th subscription: the watcher's dialog.</summary>
    public static string Key(int item) => string.Create(CultureInfo.InvariantCulture, $"sip:watcher{item:D2}@example.net;dialog={item:D4}");

    /// <summary>
    /// The <paramref name="revision"/>-th refresh of a grain's <paramref name="item"/>-th subscription: dialog identifiers,
    /// CSeq and expiry change from refresh to refresh, as they do on the wire, so nothing is written twice.
    /// </summary>
    public static string Text(int grain, int item, long revision)
    {
        // Cheap, deterministic, and not compressible to nothing: a PostgreSQL TOAST of a whole state should
        // compress about as well as the real thing would, not better.
        ulong h = Mix((ulong)grain << 40 ^ (ulong)item << 32 ^ (ulong)revision);
        // Header-like text without quotes, so a JSON serializer writes it as it is (no escaping inflates it).
        var text = new StringBuilder(Length + 64);
        text.Append(CultureInfo.InvariantCulture, $"watcher=sip:watcher{item:D2}@example.net;event=presence;");
        text.Append(CultureInfo.InvariantCulture, $"call-id={h:x16}{Mix(h):x16}@10.{grain % 250}.{item}.7;");
        text.Append(CultureInfo.InvariantCulture, $"from-tag={Mix(h + 1):x12};to-tag={Mix(h + 2):x12};cseq={revision + 1};");
        text.Append(CultureInfo.InvariantCulture, $"expires-at={1_800_000_000 + revision * 3600};");
        text.Append(CultureInfo.InvariantCulture, $"contact=sip:watcher{item:D2}@10.{grain % 250}.{item}.7:5060;transport=tcp;");
        text.Append("accept=application/pidf+xml;pad=");
        while (text.Length < Length)
        {
            text.Append((char)('a' + (int)(Mix(h + (ulong)text.Length) % 26)));
        }

        return text.ToString(0, Length);
    }

    // SplitMix64's finalizer: spreads the inputs over 64 bits.
    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }
}
