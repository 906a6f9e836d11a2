namespace Presence.Cluster.Runtime;

/// <summary>One unit of work queued for a grain: it runs to completion before the grain's next turn starts.</summary>
internal abstract class GrainTurn<TGrain> where TGrain : IGrain
{
    /// <summary>True for the runtime's expiry turn (its result decides how the due timer is re-armed).</summary>
    public virtual bool IsDue => false;

    public abstract ValueTask RunAsync(TGrain grain, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Hands the result to whoever waits, once the runtime has done its bookkeeping after the turn (the
    /// due timer re-armed, the idle clock reset): a caller that sees the result sees those too.
    /// </summary>
    public virtual void Succeed()
    {
    }

    /// <summary>Hands the failure to whoever waits for the turn, if anyone does (the worker logs it either way).</summary>
    public virtual void Fail(Exception exception)
    {
    }

    /// <summary>True (and the waiter told) if the caller gave up before the turn started; it is then skipped.</summary>
    public virtual bool TryCancel() => false;
}

/// <summary>A caller's turn with a result: the caller awaits <see cref="Task"/>.</summary>
internal sealed class InvokeTurn<TGrain, T>(Func<TGrain, ValueTask<T>> turn, CancellationToken ct) : GrainTurn<TGrain>
    where TGrain : IGrain
{
    // Asynchronous continuations: the caller's code must not run inline on the grain's worker.
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private T? _result;

    public Task<T> Task => _completion.Task;

    public override async ValueTask RunAsync(TGrain grain, DateTimeOffset now, CancellationToken runtimeCt) =>
        _result = await turn(grain);

    public override void Succeed() => _completion.TrySetResult(_result!);

    public override void Fail(Exception exception) => _completion.TrySetException(exception);

    public override bool TryCancel() => ct.IsCancellationRequested && _completion.TrySetCanceled(ct);
}

/// <summary>A fire-and-forget turn: nobody waits, so a failure is only logged.</summary>
internal sealed class PostedTurn<TGrain>(Func<TGrain, ValueTask> turn) : GrainTurn<TGrain>
    where TGrain : IGrain
{
    public override ValueTask RunAsync(TGrain grain, DateTimeOffset now, CancellationToken ct) => turn(grain);
}

/// <summary>The runtime's expiry turn: the grain's due time came.</summary>
internal sealed class DueTurn<TGrain> : GrainTurn<TGrain> where TGrain : IGrain
{
    public static readonly DueTurn<TGrain> Instance = new();

    public override bool IsDue => true;

    public override ValueTask RunAsync(TGrain grain, DateTimeOffset now, CancellationToken ct) => grain.OnDueAsync(now, ct);
}

/// <summary>
/// Activation only: the reminder poller found the grain due soon while it was not active. Activating it
/// is enough; the worker then arms the due timer from the grain's own <see cref="IGrain.NextDueAt"/>.
/// </summary>
internal sealed class WakeTurn<TGrain> : GrainTurn<TGrain> where TGrain : IGrain
{
    public static readonly WakeTurn<TGrain> Instance = new();

    public override ValueTask RunAsync(TGrain grain, DateTimeOffset now, CancellationToken ct) => ValueTask.CompletedTask;
}
