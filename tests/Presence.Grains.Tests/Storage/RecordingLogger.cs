using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Presence.Grains.Tests.Storage;

/// <summary>Keeps the event ids logged, so a test can see that a failure nobody awaits was reported.</summary>
internal sealed class RecordingLogger : ILogger
{
    public ConcurrentQueue<int> EventIds { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        EventIds.Enqueue(eventId.Id);
}
