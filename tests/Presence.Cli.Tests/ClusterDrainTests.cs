using System.Text.Json;
using Presence.Cli.Tests.Infrastructure;
using Presence.Grains.Tests.Storage;
using Presence.Server.Tests.Cluster;
using Presence.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Presence.Cli.Tests;

/// <summary>
/// presencectl cluster against three silos on PostgreSQL: the members, then two drains followed to the end, one as a
/// script sees it (--json lines, watched from another member), one as a person does (watching the silo itself).
/// </summary>
public sealed class ClusterDrainTests(PostgresServer postgres, ITestOutputHelper output) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Members_and_drains_followed_until_the_silos_have_left()
    {
        await using var cluster = await LocalCluster.CreateAsync(postgres);
        await Task.WhenAll(cluster.StartSiloAsync("silo1"), cluster.StartSiloAsync("silo2"), cluster.StartSiloAsync("silo3"));
        await cluster.WaitForMembersAsync();
        var silo1 = cluster["silo1"];

        var members = await Ctl.RunAsync(silo1, "cluster", "members");
        Assert.True(members.ExitCode == 0, members.ToString());
        Assert.Equal("seen from silo1 (silo, active): 3 active members of 3 listed", members.Lines[0]);
        foreach (string silo in new[] { "silo1", "silo2", "silo3" })
            Assert.Contains(members.Lines, l => l.Contains(silo, StringComparison.Ordinal) && l.Contains("active", StringComparison.Ordinal));

        // As a script, watching from silo1: one JSON row per change of silo3's status, until it is gone from the membership.
        var scripted = await Ctl.RunRawAsync(
            ["--token", ServerProcess.ApiToken, "--server", silo1.HttpBase!.ToString(), "--json",
             "cluster", "drain", "--silo-url", cluster["silo3"].HttpBase!.ToString(), "--timeout", "60s"]);
        output.WriteLine(scripted.ToString());
        Assert.True(scripted.ExitCode == 0, scripted.ToString());
        var rows = scripted.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("silo3", rows[0].GetProperty("silo").GetString());
        Assert.True(rows[^1].ValueKind == JsonValueKind.Null || rows[^1].GetProperty("status").GetString() == "dead", scripted.Out);

        // At a terminal, watching the silo itself: its status, then one closing line once it no longer answers.
        var interactive = await Ctl.RunRawAsync(
            ["--token", ServerProcess.ApiToken, "--server", cluster["silo2"].HttpBase!.ToString(),
             "cluster", "drain", "--silo-url", cluster["silo2"].HttpBase!.ToString(), "--timeout", "60s"],
            terminal: true);
        output.WriteLine(interactive.ToString());
        Assert.True(interactive.ExitCode == 0, interactive.ToString());
        Assert.Contains("silo2 has left", interactive.Lines[^1], StringComparison.Ordinal);
        cluster.Forget("silo2");
        cluster.Forget("silo3");

        // The survivor sees itself alone among the active members.
        await cluster.WaitForMembersAsync();
        using var final = JsonDocument.Parse((await Ctl.RunAsync(silo1, "cluster", "members", "--json")).Out);
        var active = final.RootElement.GetProperty("members").EnumerateArray()
            .Where(m => m.GetProperty("status").GetString() == "active").Select(m => m.GetProperty("silo").GetString()).ToList();
        Assert.Equal(["silo1"], active);
    }
}
