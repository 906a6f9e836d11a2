using Orleans.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Presence.Grains.Due;
using Presence.Grains.Storage;
using Presence.Grains.Users;

namespace Presence.Grains;

public static class GrainsHostingExtensions
{
    /// <summary>
    /// Makes this silo host users: their grains' storage (<see cref="ItemGrainStorage"/> over the <see cref="IGrainStore"/>
    /// and <see cref="GroupCommitter"/> the host registers), the services they share, and the keeper of the due sweeper.
    /// The host provides <see cref="Notify.INotifyDelivery"/>, <see cref="Notify.IPresenceChangeSink"/>,
    /// <see cref="Core.PresenceOptions"/>, a reminder service, and <see cref="TimeProvider"/>.
    /// A silo that must not host users (an edge) leaves this out and removes the grain classes
    /// (<see cref="WithoutUserGrains"/>).
    /// </summary>
    public static ISiloBuilder AddPresenceGrains(this ISiloBuilder silo, Action<DueSweepOptions>? configureSweep = null)
    {
        var services = silo.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PresenceTally>();
        services.AddSingleton<PresentityGrainServices>();
        services.AddGrainStorage(ItemGrainStorage.Name, static (sp, _) => ActivatorUtilities.CreateInstance<ItemGrainStorage>(sp));
        var sweep = services.AddOptions<DueSweepOptions>();
        if (configureSweep is not null)
            sweep.Configure(configureSweep);
        sweep.Validate(o => !o.Validate().Any(), "Presence:DueSweep: invalid settings").ValidateOnStart();
        services.AddHostedService<DueSweeperKeeper>();
        return silo;
    }

    /// <summary>
    /// An edge silo: it calls users' grains but never hosts one (ORLEANS-NOTES "Roles": leaving the classes out is one
    /// of the two ways 10.4.2 keeps activations off a silo; placement then picks among the silos that have them).
    /// </summary>
    public static ISiloBuilder WithoutUserGrains(this ISiloBuilder silo)
    {
        silo.Services.Configure<Orleans.Configuration.GrainTypeOptions>(o =>
        {
            o.Classes.Remove(typeof(PresentityGrain));
            o.Classes.Remove(typeof(Accounts.AccountGrain));
            o.Classes.Remove(typeof(DueSweeperGrain));
        });
        return silo;
    }
}
