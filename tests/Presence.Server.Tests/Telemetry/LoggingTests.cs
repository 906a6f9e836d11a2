using System.Reflection;
using Microsoft.Extensions.Logging;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests.Telemetry;

/// <summary>Every log event has an id of its own, and levels are set per category.</summary>
public sealed class LoggingTests
{
    private static IEnumerable<(MethodInfo Method, LoggerMessageAttribute Attribute)> LogEvents() =>
        new[] { typeof(global::Presence.Server.Sip.SipRequestDispatcher).Assembly, typeof(global::Presence.Grains.Storage.GroupCommitter).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (m, m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(e => e.Item2 is not null)
            .Select(e => (e.m, e.Item2!));

    [Fact]
    public void Every_log_event_has_a_unique_id_in_its_components_range()
    {
        var events = LogEvents().ToList();
        Assert.True(events.Count > 30, $"only {events.Count} [LoggerMessage] methods found");
        var duplicates = events.GroupBy(e => e.Attribute.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Method.DeclaringType!.Name + "." + e.Method.Name))}").ToList();
        Assert.True(duplicates.Count == 0, "event ids used twice: " + string.Join("; ", duplicates));

        // The ranges the README lists, by the namespace of the class that logs.
        foreach (var (method, attribute) in events)
        {
            string ns = method.DeclaringType!.Namespace!;
            (int Low, int High) range = ns switch
            {
                "Presence.Server.Sip" => (1000, 1099),
                "Presence.Grains.Storage" => (2000, 2199),
                "Presence.Grains.Users" or "Presence.Grains.Due" => (2200, 2299),
                "Presence.Server.Presence" => (3000, 3099),
                "Presence.Server.Calendar" => (3100, 3199),
                "Presence.Server.Cluster" => (4100, 4199),
                "Presence.Server.Http" => (6000, 6099),
                "Presence.Server.Telemetry" => (7000, 7099),
                _ => (0, -1),
            };
            Assert.True(attribute.EventId >= range.Low && attribute.EventId <= range.High,
                $"{method.DeclaringType.Name}.{method.Name} has event id {attribute.EventId}, outside {ns}'s range {range.Low}-{range.High}");
        }
    }

    [Fact]
    public async Task Levels_are_set_per_category()
    {
        await using var server = await ServerProcess.StartAsync(auth: false, extraArgs:
        [
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
            "--Logging:LogLevel:Presence.Server.Sip=Debug",
        ]);
        await using var alice = new TestUserAgent(server.Port, "alice");
        Assert.Equal(200, (await alice.RegisterAsync()).StatusCode);

        // Presence.Server.Sip logs at Debug (each request, event 1007); Presence.Server.Presence only from Warning,
        // so "Presence store at" (Information, 3004) is not there.
        await server.WaitForOutputAsync("dbug: Presence.Server.Sip.SipRequestDispatcher[1007]", TimeSpan.FromSeconds(10));
        Assert.Contains("info: Presence.Server.Sip.SipEndpointService[1000]", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("[3004]", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("dbug: Presence.Grains", server.Output, StringComparison.Ordinal);
    }
}
