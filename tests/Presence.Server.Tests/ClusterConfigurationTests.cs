using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests;

/// <summary>Cluster settings that cannot work stop the process at start, with exit code 2 and the setting named.</summary>
public sealed class ClusterConfigurationTests
{
    [Theory]
    [InlineData("--Cluster:Role=proxy", "Cluster:Role 'proxy' must be both, silo or edge.")]
    [InlineData("--Cluster:Role=edge", "Cluster:Role=edge needs Cluster:Enabled=true")]
    [InlineData("--Cluster:Role=silo", "Cluster:Role=silo needs Cluster:Enabled=true")]
    [InlineData("--Cluster:Enabled=true", "Cluster:Enabled needs Cluster:ConnectionString (or Presence:ConnectionString)")]
    [InlineData("--Cluster:AdvertisedAddress=silo.example.com", "Cluster:AdvertisedAddress 'silo.example.com' must be an IP address.")]
    [InlineData("--Cluster:ProbeTimeout=00:00:05", "Cluster:ProbeTimeout must be positive and at most Cluster:MaxProbeTimeout.")]
    public async Task A_setting_that_cannot_work_is_refused_with_a_message(string argument, string message)
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(auth: false, extraArgs: [argument]));
        Assert.Contains("exit code 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}
