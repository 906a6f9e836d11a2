namespace Presence.Cluster.Runtime;

/// <summary>
/// Installed while a worker runs grain code, so that an <c>await</c> inside a turn resumes on the same
/// worker (as Orleans resumes on the activation's scheduler): the runtime's bookkeeping after a turn
/// then never races the worker loop, and grain code runs on a bounded set of loops, not the whole pool.
/// </summary>
internal sealed class WorkerSynchronizationContext(object owner, Func<SendOrPostCallback, object?, bool> post)
    : SynchronizationContext
{
    /// <summary>The runtime the worker belongs to; tells a grain-to-grain call from an outside one.</summary>
    public object Owner { get; } = owner;

    public override void Post(SendOrPostCallback d, object? state)
    {
        if (!post(d, state))
        {
            // The worker is gone (a stop that was cancelled left this turn running): finish the turn on
            // the thread pool rather than never resume its caller.
            ThreadPool.QueueUserWorkItem(static s => s.d(s.state), (d, state), preferLocal: false);
        }
    }

    // Blocking a worker until it has run the callback would wait on itself.
    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Synchronous Send on a grain worker would deadlock it; await instead.");

    public override SynchronizationContext CreateCopy() => this;
}
