using System.Globalization;
using Presence.LoadGen.Documents;
using Presence.LoadGen.Measure;
using Presence.LoadGen.Sip;

namespace Presence.LoadGen.Workloads;

/// <summary>
/// N users REGISTER, once each, as a building's phones do after a power cut. Each user has k watchers (subscribed
/// before, seeing it unreachable); the REGISTER makes it available, and the NOTIFY lists the new Contact, whose user
/// part is the change's marker.
/// </summary>
internal sealed class RegistrationStorm(LoadOptions options) : Workload(options)
{
    private readonly List<SimUser> _users = [];

    public override string Name => "register";

    public override int UserCount => Users * (1 + Watchers);

    public override long MaxCount => Math.Min(Options.Count ?? Users, Users);

    public override IReadOnlyList<KeyValuePair<string, string>> Parameters =>
    [
        new("users", Users.ToString(CultureInfo.InvariantCulture)),
        new("watchers per user", Watchers.ToString(CultureInfo.InvariantCulture)),
        new("register expires", Options.RegisterExpires.ToString(CultureInfo.InvariantCulture) + " s"),
    ];

    public override async Task SetupAsync(LoadContext context, CancellationToken cancellationToken)
    {
        var pairs = new List<(SimUser, SimUser)>(Users * Watchers);
        for (int i = 0; i < Users; i++)
        {
            SimUser user = context.NewUser("r");
            _users.Add(user);
            for (int w = 0; w < Watchers; w++)
                pairs.Add((context.NewUser("rw"), user));
        }
        await EstablishAsync(context, pairs, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<Change?> RunOneAsync(LoadContext context, long index)
    {
        SimUser user = _users[(int)index];
        Change change = context.Tracker.Begin(user, 0);
        return Settle(context, change, await context.Client.RegisterAsync(user, ChangeMarker.Format(change.Seq), context.RunStats).ConfigureAwait(false));
    }
}
