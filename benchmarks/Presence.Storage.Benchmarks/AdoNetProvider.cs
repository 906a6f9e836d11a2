using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.GrainReferences;
using Orleans.Serialization;
using Orleans.Serialization.Configuration;
using Orleans.Storage;

namespace Presence.Storage.Benchmarks;

/// <summary>
/// Orleans' <see cref="AdoNetGrainStorage"/> built outside a silo, from its public types, with what a silo would
/// give it: the options <c>AddAdoNetGrainStorage</c> would bind (and post-configure: the default hash picker), the
/// silo's default grain storage serializer, Orleans' activator provider, and its start in the silo lifecycle (where it
/// loads its statements from <c>OrleansQuery</c>).
/// </summary>
public sealed class AdoNetProvider : IAsyncDisposable
{
    /// <summary>The provider's name, as a grain would name it in <c>[PersistentState]</c>.</summary>
    public const string Name = "adonet";

    private readonly ServiceProvider _services;
    private readonly SiloLifecycleSubject _lifecycle;

    private AdoNetProvider(ServiceProvider services, SiloLifecycleSubject lifecycle, AdoNetGrainStorage storage)
    {
        _services = services;
        _lifecycle = lifecycle;
        Storage = storage;
    }

    public AdoNetGrainStorage Storage { get; }

    /// <param name="invariant">"Npgsql", or "System.Data.SQLite" (which Orleans maps to Microsoft.Data.Sqlite).</param>
    public static async Task<AdoNetProvider> StartAsync(string invariant, string connectionString, CancellationToken ct)
    {
        var services = new ServiceCollection();
        // No logging providers: the provider's error logs go nowhere, the load counts its exceptions.
        services.AddLogging();
        // Orleans' serialization services: the IActivatorProvider the provider creates an empty state with, and the
        // type converter that checks the types named in stored JSON against the allow-list.
        services.AddSerializer();
        services.Configure<TypeManifestOptions>(options =>
        {
            options.AddAllowedType(typeof(PresentityDocument));
            options.AddAllowedType(typeof(PresentityEntry));
        });
        // The silo's default grain storage serializer, registered as Orleans' DefaultSiloServices registers it:
        // Newtonsoft.Json with type names on every object, Orleans' converters and type binder.
        services.AddSingleton<GrainReferenceActivator>();
        services.AddSingleton<IPostConfigureOptions<OrleansJsonSerializerOptions>, ConfigureOrleansJsonSerializerOptions>();
        services.AddSingleton<OrleansJsonSerializer>();
        services.AddSingleton<IGrainStorageSerializer, JsonGrainStorageSerializer>();
        var provider = services.BuildServiceProvider();
        try
        {
            var options = new AdoNetGrainStorageOptions
            {
                Invariant = invariant,
                ConnectionString = connectionString,
                GrainStorageSerializer = provider.GetRequiredService<IGrainStorageSerializer>(),
            };
            new DefaultAdoNetGrainStorageOptionsHashPickerConfigurator().PostConfigure(Name, options);
            new AdoNetGrainStorageOptionsValidator(options, Name).ValidateConfiguration();
            var cluster = new ClusterOptions { ClusterId = "storage-bench", ServiceId = "presence" };
            // What AdoNetGrainStorageFactory.Create does with the silo's services.
            var storage = ActivatorUtilities.CreateInstance<AdoNetGrainStorage>(provider, Options.Create(options), Name, Options.Create(cluster));
            var lifecycle = new SiloLifecycleSubject(NullLogger<SiloLifecycleSubject>.Instance);
            storage.Participate(lifecycle);
            await lifecycle.OnStart(ct).ConfigureAwait(false);
            return new AdoNetProvider(provider, lifecycle, storage);
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _lifecycle.OnStop(CancellationToken.None).ConfigureAwait(false);
        await _services.DisposeAsync().ConfigureAwait(false);
    }
}
