using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Presence.Cluster.Membership;
using Presence.Cluster.Runtime;
using Presence.Cluster.Storage;
using Presence.Core;
using Presence.Server.Sip;
using Presence.Server.Sip.Handlers;

namespace Presence.Server.Presence;

/// <summary>The "Presence" configuration section: where state is kept and the expiry rules.</summary>
public sealed class PresenceHostOptions
{
    public const string Section = "Presence";

    /// <summary>Where users' state is kept: "sqlite" (the embedded default) or "postgres" (a cluster's silos share it).</summary>
    public string Store { get; set; } = "sqlite";

    /// <summary>The PostgreSQL connection string when Store is postgres, e.g. "Host=db;Database=presence;Username=presence".</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>The SQLite file of the embedded store (default data/presence.db, relative to the working directory).</summary>
    public string DatabasePath { get; set; } = Path.Combine("data", "presence.db");

    /// <summary>Expiry bounds and per-user caps; see <see cref="PresenceOptions"/> for each default.</summary>
    public PresenceOptions Rules { get; set; } = new();

    /// <summary>Grain partitions' workers (default: one per core).</summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>Idle users leave memory after this long (default 10 minutes); their expiries still fire.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>Refuses expiry rules that contradict themselves, naming the setting.</summary>
public sealed class PresenceHostOptionsValidator : IValidateOptions<PresenceHostOptions>
{
    public ValidateOptionsResult Validate(string? name, PresenceHostOptions options)
    {
        var failures = new List<string>();
        var r = options.Rules;
        void Bounds(string what, int min, int @default, int max)
        {
            if (min < 1 || min > @default || @default > max)
                failures.Add($"Presence:Rules: need 1 <= Min{what}Expires ({min}) <= Default{what}Expires ({@default}) <= Max{what}Expires ({max}).");
        }
        Bounds("Register", r.MinRegisterExpires, r.DefaultRegisterExpires, r.MaxRegisterExpires);
        Bounds("Publish", r.MinPublishExpires, r.DefaultPublishExpires, r.MaxPublishExpires);
        Bounds("Subscribe", r.MinSubscribeExpires, r.DefaultSubscribeExpires, r.MaxSubscribeExpires);
        if (r.MaxBindings < 1 || r.MaxPublications < 1 || r.MaxSubscriptions < 1 || r.MaxAlternativeContacts < 0)
            failures.Add("Presence:Rules: the per-user caps must be at least 1.");
        if (!string.Equals(options.Store, "sqlite", StringComparison.OrdinalIgnoreCase) && !string.Equals(options.Store, "postgres", StringComparison.OrdinalIgnoreCase))
            failures.Add($"Presence:Store must be sqlite or postgres, not '{options.Store}'.");
        else if (IsPostgres(options) && string.IsNullOrWhiteSpace(options.ConnectionString))
            failures.Add("Presence:Store=postgres needs Presence:ConnectionString.");
        if (!IsPostgres(options) && string.IsNullOrWhiteSpace(options.DatabasePath))
            failures.Add("Presence:DatabasePath is empty.");
        if (options.Workers is < 1 or > 256)
            failures.Add("Presence:Workers must be between 1 and 256.");
        if (options.IdleTimeout <= TimeSpan.Zero)
            failures.Add("Presence:IdleTimeout must be positive.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsPostgres(PresenceHostOptions options) => string.Equals(options.Store, "postgres", StringComparison.OrdinalIgnoreCase);
}

public static class PresenceHostingExtensions
{
    /// <summary>Wires users' presence: the SQLite store, group commit, the grain runtime, the SIP handlers.</summary>
    public static IServiceCollection AddPresence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PresenceHostOptions>().Bind(configuration.GetSection(PresenceHostOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PresenceHostOptions>, PresenceHostOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<PresenceHostOptions>>().Value.Rules);
        services.AddSingleton<IGrainStore>(sp =>
        {
            var hostOptions = sp.GetRequiredService<IOptions<PresenceHostOptions>>().Value;
            if (PresenceHostOptionsValidator.IsPostgres(hostOptions))
                return new PostgresGrainStore(hostOptions.ConnectionString, sp.GetRequiredService<ILogger<PostgresGrainStore>>());
            string path = Path.GetFullPath(sp.GetRequiredService<IOptions<PresenceHostOptions>>().Value.DatabasePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            PresenceLog.StoreOpened(sp.GetRequiredService<ILogger<PresenceStoreService>>(), path);
            return new SqliteGrainStore(path, sp.GetRequiredService<ILogger<SqliteGrainStore>>());
        });
        services.AddSingleton(sp => new GroupCommitter(sp.GetRequiredService<IGrainStore>(), logger: sp.GetRequiredService<ILogger<GroupCommitter>>())
        {
            BatchDone = sp.GetService<Telemetry.PresenceMetrics>() is { } metrics ? metrics.BatchDone : null,
        });
        services.AddSingleton<LocalIdentity>();
        services.AddSingleton<NotifySender>();
        services.AddSingleton<PresenceChangeFeed>();
        services.AddSingleton<PresenceGrainServices>();
        services.AddSingleton<PresentityGrainFactory>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PresenceHostOptions>>().Value;
            return new GrainRuntime<PresentityGrain>(
                sp.GetRequiredService<PresentityGrainFactory>(),
                sp.GetRequiredService<IGrainStore>(),
                new GrainRuntimeOptions { Workers = Math.Max(1, options.Workers), IdleTimeout = options.IdleTimeout },
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<GrainRuntime<PresentityGrain>>>(),
                // In a cluster the membership agent says which partitions this silo may activate.
                sp.GetService<MembershipAgent>());
        });
        services.AddSingleton<PresenceDirectory>();
        services.AddOptions<Accounts.AuthOptions>().Bind(configuration.GetSection(Accounts.AuthOptions.Section));
        services.AddSingleton<Accounts.AccountDirectory>();
        services.AddSingleton<Accounts.SipAuthorizer>();
        services.AddSingleton<ISipRequestHandler, RegisterHandler>();
        services.AddSingleton<ISipRequestHandler, PublishHandler>();
        services.AddSingleton<ISipRequestHandler, SubscribeHandler>();
        services.AddSingleton<ISipRequestHandler, RoutingHandler>();
        // Before the SIP endpoint: the store and the grains are ready when the first request comes.
        services.AddHostedService<PresenceStoreService>();
        return services;
    }
}

/// <summary>Opens the store and starts the grains with the host; stops them after the SIP endpoint has drained.</summary>
public sealed class PresenceStoreService(
    IGrainStore store, GrainRuntime<PresentityGrain> runtime, SipCapabilities capabilities) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        capabilities.AddEventPackage("presence");
        capabilities.AddEventPackage("presence.winfo");
        capabilities.AddAccept("application/pidf+xml");
        capabilities.AddAccept("application/dialog-info+xml");
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await runtime.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await runtime.StopAsync(cancellationToken).ConfigureAwait(false);
        await store.DisposeAsync().ConfigureAwait(false);
    }
}
