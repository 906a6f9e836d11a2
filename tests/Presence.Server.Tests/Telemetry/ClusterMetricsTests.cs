using Presence.Cluster.Tests.Storage;
using Presence.Server.Tests.Cluster;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Server.Tests.Telemetry;

/// <summary>The membership instruments of a real cluster (two silos and an edge on one PostgreSQL).</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterMetricsTests(PostgresServer postgres)
{
    [Fact]
    public async Task Every_member_reports_the_same_ring_and_the_silos_own_every_partition_between_them()
    {
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await Task.WhenAll(cluster.StartSiloAsync("silo1"), cluster.StartSiloAsync("silo2"));
        var edge = await cluster.StartEdgeAsync("edge1");
        await cluster.WaitForRingAsync();

        ServerProcess[] silos = [cluster.Silos["silo1"], cluster.Silos["silo2"]];
        MetricsScrape[] pages = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        do
        {
            pages = await Task.WhenAll(silos.Append(edge).Select(p => MetricsScrape.FromAsync(p.HttpBase!, ServerProcess.ApiToken)));
        }
        while (pages.Select(p => p["presence_cluster_membership_version"]).Distinct().Count() > 1 && DateTime.UtcNow < deadline);

        Assert.Single(pages.Select(p => p["presence_cluster_membership_version"]).Distinct());
        Assert.All(pages, p => Assert.Equal(2, p["presence_cluster_silos"]));
        Assert.All(pages, p => Assert.True(p["presence_cluster_membership_changes_total"] >= 1, p.Text));
        Assert.Equal(4096, pages[0]["presence_cluster_partitions_owned"] + pages[1]["presence_cluster_partitions_owned"]);
        Assert.All(pages[..2], p => Assert.True(
            p["presence_cluster_partition_moves_total{presence_partition_direction=\"gained\"}"] >= p["presence_cluster_partitions_owned"], p.Text));
        // An edge owns nothing and moves nothing.
        Assert.DoesNotContain("presence_cluster_partitions_owned", pages[2].Text, StringComparison.Ordinal);
        await pages[0].AssertPromtoolAcceptsAsync();
    }
}
