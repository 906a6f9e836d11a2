using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Presence.Grains.Notify;
using Presence.Grains.Storage;
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

    /// <summary>Idle users leave memory after this long (Orleans' collection age; default 10 minutes); their expiries still fire.</summary>
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
        if (options.IdleTimeout < TimeSpan.FromSeconds(1))
            failures.Add("Presence:IdleTimeout must be at least 1 s.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsPostgres(PresenceHostOptions options) => string.Equals(options.Store, "postgres", StringComparison.OrdinalIgnoreCase);
}

public static class PresenceHostingExtensions
{
    /// <summary>
    /// What every SIP-speaking or user-hosting process needs of presence: the directory that calls users' grains, the
    /// accounts, the NOTIFY sender and delivery, the change feed, and the SIP handlers.
    /// </summary>
    public static IServiceCollection AddPresence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PresenceHostOptions>().Bind(configuration.GetSection(PresenceHostOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PresenceHostOptions>, PresenceHostOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<PresenceHostOptions>>().Value.Rules);
        services.AddSingleton<LocalIdentity>();
        services.AddSingleton<Cluster.ClusterMembers>();
        services.AddSingleton<Notify.NotifySender>();
        services.AddSingleton<INotifyDelivery, Notify.NotifyDelivery>();
        services.AddSingleton<ICalendarFetcher, Calendar.CalendarFetcher>();
        services.AddSingleton<Calendar.CalendarSecrets>();
        services.AddSingleton<PresenceChangeFeed>();
        services.AddSingleton<IPresenceChangeSink>(sp => sp.GetRequiredService<PresenceChangeFeed>());
        services.AddSingleton<PresenceDirectory>();
        services.AddOptions<Accounts.AuthOptions>().Bind(configuration.GetSection(Accounts.AuthOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Accounts.AuthOptions>, Accounts.AuthOptionsValidator>();
        services.AddSingleton<Accounts.AccountDirectory>();
        services.AddSingleton<Accounts.SipAuthorizer>();
        services.AddSingleton<ISipRequestHandler, RegisterHandler>();
        services.AddSingleton<ISipRequestHandler, PublishHandler>();
        services.AddSingleton<ISipRequestHandler, SubscribeHandler>();
        services.AddSingleton<ISipRequestHandler, RoutingHandler>();
        services.AddHostedService<PresenceCapabilities>();
        return services;
    }

    /// <summary>
    /// The users' store on a silo that hosts them: SQLite (the embedded default) or PostgreSQL, with group commit in
    /// front. Register before Orleans: hosted services start in order (the store is open before the first grain
    /// activates) and stop in reverse (it closes after the last grain has gone).
    /// </summary>
    public static IServiceCollection AddPresenceStore(this IServiceCollection services)
    {
        services.AddSingleton<IGrainStore>(sp =>
        {
            var hostOptions = sp.GetRequiredService<IOptions<PresenceHostOptions>>().Value;
            if (PresenceHostOptionsValidator.IsPostgres(hostOptions))
                return new PostgresGrainStore(hostOptions.ConnectionString, sp.GetRequiredService<ILogger<PostgresGrainStore>>());
            string path = Path.GetFullPath(hostOptions.DatabasePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            PresenceLog.StoreOpened(sp.GetRequiredService<ILogger<PresenceStoreService>>(), path);
            return new SqliteGrainStore(path, sp.GetRequiredService<ILogger<SqliteGrainStore>>());
        });
        services.AddSingleton(sp => new GroupCommitter(sp.GetRequiredService<IGrainStore>(), logger: sp.GetRequiredService<ILogger<GroupCommitter>>())
        {
            BatchDone = sp.GetService<Telemetry.PresenceMetrics>() is { } metrics ? metrics.BatchDone : null,
        });
        services.AddHostedService<PresenceStoreService>();
        return services;
    }
}

/// <summary>What this SIP node serves, for OPTIONS and 489/415 answers (nothing to do on a silo that speaks no SIP).</summary>
public sealed class PresenceCapabilities(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<SipCapabilities>() is not { } capabilities)
            return Task.CompletedTask;
        capabilities.AddEventPackage("presence");
        capabilities.AddEventPackage("presence.winfo");
        capabilities.AddEventPackage("dialog");
        // RFC 4662: SUBSCRIBE to a user's resource list ("sip:alice+buddies@example.com").
        capabilities.AddOptionTag("eventlist");
        // RFC 5367: the list in the SUBSCRIBE's body (liblinphone's friend lists with an "rls_uri").
        capabilities.AddOptionTag("recipient-list-subscribe");
        capabilities.AddAccept("application/pidf+xml");
        capabilities.AddAccept("application/dialog-info+xml");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Opens the store before the silo starts; after the silo has stopped, commits what is queued and closes it.</summary>
public sealed class PresenceStoreService(IGrainStore store, GroupCommitter committer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await committer.DisposeAsync().ConfigureAwait(false);
        await store.DisposeAsync().ConfigureAwait(false);
    }
}
