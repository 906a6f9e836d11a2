using System.Globalization;
using Presence.Sip.Headers;

namespace Presence.LoadGen.Seeding;

/// <summary>
/// Who watches whom in a seeded run, and the identifiers of every dialog, computed the same way by <c>seed</c> (which
/// writes them into the server's store) and by the seeded run (which then expects NOTIFYs in exactly those dialogs).
/// User i is "RUNID-ui"; its k watchers are the users at fixed distances from it (k distinct offsets drawn once from
/// the seed), so every user also watches exactly k others, as in a company where contact lists are symmetric enough.
/// </summary>
internal sealed class SeededLayout
{
    private readonly int[] _offsets;

    public SeededLayout(LoadOptions resolved)
    {
        Users = resolved.Users ?? throw new ArgumentException("Resolve the options first.", nameof(resolved));
        Watchers = resolved.Watchers ?? 0;
        RunId = resolved.RunId!;
        Domain = resolved.Domain;
        // Distinct offsets in [1, users-1]: a partial shuffle when they are many, rejection when they are few.
        var random = new Random(resolved.Seed);
        var picked = new HashSet<int>();
        while (picked.Count < Watchers)
            picked.Add(random.Next(1, Users));
        _offsets = picked.Order().ToArray();
    }

    public int Users { get; }

    public int Watchers { get; }

    public string RunId { get; }

    public string Domain { get; }

    /// <summary>The user part of user <paramref name="index"/>, as <see cref="Workloads.LoadContext.NewUser"/> names it.</summary>
    public string UserName(int index) => RunId + "-u" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The address of record the server keys the user by (lower-case scheme and host, as it looks it up).</summary>
    public string Aor(int index)
    {
        string aor = $"sip:{UserName(index)}@{Domain}";
        return SipUri.TryParse(aor, out var uri, out _) && uri is not null ? uri.ToAor() : aor;
    }

    /// <summary>The <paramref name="k"/>-th watcher of <paramref name="presentity"/>.</summary>
    public int WatcherOf(int presentity, int k) => (int)((presentity + (long)_offsets[k]) % Users);

    /// <summary>The Call-ID of the <paramref name="k"/>-th watcher's subscription to <paramref name="presentity"/>.</summary>
    public string CallId(int presentity, int k) =>
        string.Create(CultureInfo.InvariantCulture, $"{RunId}-s{presentity}-{k}@loadgen");

    /// <summary>The watcher's From tag in that dialog.</summary>
    public static string FromTag(int presentity, int k) => string.Create(CultureInfo.InvariantCulture, $"w{presentity:x}x{k}");
}
