using Presence.Cluster.Runtime;
using Presence.Cluster.Tests.Storage;

namespace Presence.Cluster.Tests.Runtime;

/// <summary>A started runtime of counter grains over a fresh SQLite file, torn down together.</summary>
internal sealed class RuntimeHarness : IAsyncDisposable
{
    private RuntimeHarness(GrainRuntime<CounterGrain> runtime, CounterGrainFactory factory, RecordingLogger logger)
    {
        Runtime = runtime;
        Factory = factory;
        Logger = logger;
    }

    public GrainRuntime<CounterGrain> Runtime { get; }

    public CounterGrainFactory Factory { get; }

    public RecordingLogger Logger { get; }

    public static async Task<RuntimeHarness> StartAsync(
        GrainRuntimeOptions? options = null, TimeProvider? time = null, TempDatabase? database = null,
        IPartitionOwnership? ownership = null)
    {
        time ??= TimeProvider.System;
        var factory = await CounterGrainFactory.CreateAsync(time, database);
        var logger = new RecordingLogger();
        var runtime = new GrainRuntime<CounterGrain>(
            factory, factory.Store, options ?? new GrainRuntimeOptions { Workers = 2 }, time, logger, ownership);
        await runtime.StartAsync(CancellationToken.None);
        return new RuntimeHarness(runtime, factory, logger);
    }

    /// <summary>
    /// Returns once the key's worker has handled everything already sent to it (a timer that fired
    /// during <see cref="ManualTimeProvider.Advance"/> included) and the key's turns queued so far have
    /// finished: the no-op turn queues behind them all.
    /// </summary>
    public Task SettleAsync(string key) => Runtime.InvokeAsync(key, _ => ValueTask.FromResult(0));

    public Task<long> CountAsync(string key) => Runtime.InvokeAsync(key, grain => ValueTask.FromResult(grain.Count));

    /// <summary>Stops the runtime; the database file stays while <paramref name="keepDatabase"/>.</summary>
    public async ValueTask DisposeAsync(bool keepDatabase)
    {
        await Runtime.StopAsync(CancellationToken.None);
        await Factory.DisposeAsync(keepDatabase);
    }

    public ValueTask DisposeAsync() => DisposeAsync(keepDatabase: false);
}
