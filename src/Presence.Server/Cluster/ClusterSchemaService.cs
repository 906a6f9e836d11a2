using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Presence.Grains.Storage;

namespace Presence.Server.Cluster;

/// <summary>
/// Before the silo joins: brings the cluster's PostgreSQL schema up to date (the users' tables and the tables and
/// statements Orleans' ADO.NET membership and reminders read), idempotently and under a lock, so that whichever
/// member starts first, on an empty database or an old one, every member finds what it needs. Registered before
/// Orleans, so it runs first; edges run it too, since they join the membership table.
/// </summary>
public sealed class ClusterSchemaService(ClusterOptions options, ILogger<ClusterSchemaService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        await PostgresSchema.MigrateAsync(dataSource, logger, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
