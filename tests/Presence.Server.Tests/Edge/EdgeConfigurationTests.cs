using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests.Edge;

/// <summary>Edge settings that cannot work stop the process at start, with exit code 2 and the setting named.</summary>
public sealed class EdgeConfigurationTests
{
    [Theory]
    [InlineData("--Cluster:Role=proxy", "Cluster:Role 'proxy' must be both, silo or edge.")]
    [InlineData("--Edge:Silos=tcp:127.0.0.1:5070", "Edge:Silos 'tcp:127.0.0.1:5070' is not a silo address such as udp:10.0.0.1:5060.")]
    [InlineData("--Edge:Silos=udp:silo.example.com:5060", "Edge:Silos 'udp:silo.example.com:5060' is not a silo address")]
    [InlineData("--Edge:FlowSecret=c2hvcnQ=", "Edge:FlowSecret must be base64 of at least 16 bytes.")]
    public async Task A_setting_that_cannot_work_is_refused_with_a_message(string argument, string message)
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(extraArgs: ["--Cluster:Role=edge", argument]));
        Assert.Contains("exit code 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}
