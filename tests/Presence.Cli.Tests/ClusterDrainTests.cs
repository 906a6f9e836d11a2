using System.Text.Json;
using Presence.Cli.Tests.Infrastructure;
using Presence.Cluster.Tests.Storage;
using Presence.Server.Tests.Cluster;
using Presence.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Presence.Cli.Tests;

/// <summary>
/// presencectl cluster against three silos on PostgreSQL: the members and their shares, then two drains followed
/// to the end, one as a script sees it (--json lines), one as a person at a terminal does (the progress bar).
/// </summary>
public sealed class ClusterDrainTests(PostgresServer postgres, ITestOutputHelper output) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Members_partitions_and_drains_followed_until_the_silos_have_left()
    {
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await Task.WhenAll(cluster.StartSiloAsync("silo1"), cluster.StartSiloAsync("silo2"), cluster.StartSiloAsync("silo3"));
        await cluster.WaitForRingAsync();
        var silo1 = cluster.Silos["silo1"];

        var members = await Ctl.RunAsync(silo1, "cluster", "members");
        Assert.True(members.ExitCode == 0, members.ToString());
        Assert.StartsWith("cluster version ", members.Lines[0], StringComparison.Ordinal);
        Assert.Contains("seen from silo1 (silo)", members.Lines[0], StringComparison.Ordinal);
        foreach (string silo in new[] { "silo1", "silo2", "silo3" })
            Assert.Contains(members.Lines, l => l.Contains(silo, StringComparison.Ordinal) && l.Contains("active", StringComparison.Ordinal));

        var partitions = await Ctl.RunAsync(silo1, "cluster", "partitions");
        Assert.True(partitions.ExitCode == 0, partitions.ToString());
        Assert.StartsWith("4096 partitions over 3 active silos", partitions.Lines[0], StringComparison.Ordinal);

        // As a script: one JSON document per change, the last one with hasLeft.
        var scripted = await Ctl.RunRawAsync(
            ["--token", ServerProcess.ApiToken, "--json", "cluster", "drain", "--silo-url", cluster.Silos["silo3"].HttpBase!.ToString(), "--timeout", "60s"]);
        output.WriteLine(scripted.ToString());
        Assert.True(scripted.ExitCode == 0, scripted.ToString());
        var views = scripted.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var owned = views.Select(v => v.GetProperty("ownedPartitions").GetInt32()).ToList();
        Assert.Equal(owned.OrderByDescending(o => o), owned);
        Assert.Equal(0, owned[^1]);
        Assert.True(views[^1].GetProperty("hasLeft").GetBoolean());
        Assert.Equal("silo3", views[^1].GetProperty("self").GetString());

        // At a terminal: the progress display, then one closing line.
        var interactive = await Ctl.RunRawAsync(
            ["--token", ServerProcess.ApiToken, "cluster", "drain", "--silo-url", cluster.Silos["silo2"].HttpBase!.ToString(), "--timeout", "60s"],
            terminal: true);
        output.WriteLine(interactive.ToString());
        Assert.True(interactive.ExitCode == 0, interactive.ToString());
        Assert.Contains("silo2 has left", interactive.Lines[^1], StringComparison.Ordinal);

        // The survivor owns everything; the others show as left (its view follows the table within moments).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var after = await Ctl.RunAsync(silo1, "cluster", "partitions");
            if (after.Lines.Count > 0 && after.Lines[0].StartsWith("4096 partitions over 1 active silos", StringComparison.Ordinal))
                break;
            Assert.True(DateTime.UtcNow < deadline, after.ToString());
            await Task.Delay(200);
        }
        using var final = JsonDocument.Parse((await Ctl.RunAsync(silo1, "cluster", "members", "--json")).Out);
        Assert.Equal(4096, final.RootElement.GetProperty("ownedPartitions").GetInt32());
        var statuses = final.RootElement.GetProperty("members").EnumerateArray()
            .Where(m => m.GetProperty("status").GetString() != "dead")
            .ToDictionary(m => m.GetProperty("silo").GetString()!, m => m.GetProperty("status").GetString());
        Assert.Equal("active", statuses["silo1"]);
        Assert.Equal("left", statuses["silo2"]);
        Assert.Equal("left", statuses["silo3"]);
    }
}
