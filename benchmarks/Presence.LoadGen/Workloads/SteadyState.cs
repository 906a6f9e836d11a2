using System.Globalization;
using Presence.LoadGen.Measure;
using Presence.LoadGen.Sip;

namespace Presence.LoadGen.Workloads;

/// <summary>
/// The Skype for Business user model: every user watches 40 to 80 contacts (drawn at random among the others) and
/// publishes about 4 KB of presence 4 times an hour. <see cref="LoadOptions.Speedup"/> compresses the hour, so that a
/// run of minutes carries the load of hours: 300 users at 60x publish 20 times a second, each PUBLISH fanning out to
/// about 60 watchers. Users publish in a fixed shuffled order, so each one's PUBLISHes are evenly spaced. Users do not
/// REGISTER here: their documents list the alternative contact carrying the change's marker.
/// </summary>
internal sealed class SteadyState(LoadOptions options) : Workload(options)
{
    private readonly List<SimUser> _users = [];
    private SimUser[] _order = [];
    private long _subscriptions;

    public override string Name => "steady";

    public override int UserCount => Users;

    public override long MaxCount => Options.Count ?? long.MaxValue;

    public override IReadOnlyList<KeyValuePair<string, string>> Parameters =>
    [
        new("users", Users.ToString(CultureInfo.InvariantCulture)),
        new("contacts per user", $"{Math.Min(Options.ContactsMin, Users - 1)}–{Math.Min(Options.ContactsMax, Users - 1)}"),
        new("subscriptions", Interlocked.Read(ref _subscriptions).ToString(CultureInfo.InvariantCulture)),
        new("publishes per user per hour", Options.PublishesPerHour.ToString(CultureInfo.InvariantCulture)),
        new("speedup", (Options.Speedup ?? 60).ToString(CultureInfo.InvariantCulture) + "x"),
        new("document size", (Options.DocumentSize ?? 0).ToString(CultureInfo.InvariantCulture) + " B"),
    ];

    public override async Task SetupAsync(LoadContext context, CancellationToken cancellationToken)
    {
        for (int i = 0; i < Users; i++)
            _users.Add(context.NewUser("u"));
        var pairs = new List<(SimUser, SimUser)>();
        int[] others = new int[Users - 1];
        foreach (SimUser user in _users)
        {
            // A partial Fisher-Yates shuffle of everyone else: the first C are the contact list.
            for (int i = 0, j = 0; i < Users; i++)
            {
                if (i != user.Index)
                    others[j++] = i;
            }
            int contacts = Math.Min(context.Random.Next(Options.ContactsMin, Options.ContactsMax + 1), Users - 1);
            for (int c = 0; c < contacts; c++)
            {
                int pick = context.Random.Next(c, others.Length);
                (others[c], others[pick]) = (others[pick], others[c]);
                pairs.Add((user, _users[others[c]]));
            }
        }
        _subscriptions = pairs.Count;
        _order = _users.ToArray();
        context.Random.Shuffle(_order);
        await EstablishAsync(context, pairs, cancellationToken).ConfigureAwait(false);
    }

    // A user whose previous PUBLISH is still unanswered skips its turn: the model's user publishes on its own clock.
    public override Task<Change?> RunOneAsync(LoadContext context, long index) =>
        PublishChangeAsync(context, _order, (int)(index % _order.Length), tries: 1, group: 0);
}
