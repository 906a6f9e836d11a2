using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Presence.Grains.Users;

namespace Presence.Grains.Due;

/// <summary>
/// Makes sure, from every silo that hosts users, that the cluster's due sweeper is active: at start and then every
/// <see cref="DueSweepOptions.KeepAliveInterval"/> (a call to an active grain costs one message). After the sweeper's
/// silo dies, the next call activates it on a survivor; its reminder is the durable backstop.
/// </summary>
internal sealed partial class DueSweeperKeeper(
    IGrainFactory grains, IOptions<DueSweepOptions> options, TimeProvider time, ILogger<DueSweeperKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sweeper = grains.GetGrain<IDueSweeperGrain>(PresentityGrain.GrainTypeName);
        bool failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await sweeper.Start().WaitAsync(stoppingToken).ConfigureAwait(false);
                failing = false;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The silo is still starting, or the cluster is reorganizing: the next round tries again.
                if (!failing)
                    LogNotReached(logger, ex);
                failing = true;
            }
            try
            {
                await Task.Delay(options.Value.KeepAliveInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 2213, Level = LogLevel.Debug, Message = "The due sweeper could not be reached yet; trying again")]
    private static partial void LogNotReached(ILogger logger, Exception exception);
}
