using System.Text.Json;
using Presence.Cli.Tests.Infrastructure;
using Presence.Server.Tests.Infrastructure;

namespace Presence.Cli.Tests;

/// <summary>
/// presencectl cluster against a single process: it says plainly that there is no cluster, and a drain gets the
/// server's 409. (The clustered drain itself is tested in Presence.Server.Tests' ClusterTests.)
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ClusterCommandTests(ServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task Members_say_a_single_process_is_not_clustered()
    {
        var members = await Ctl.RunAsync(Server, "cluster", "members");
        Assert.True(members.ExitCode == 0, members.ToString());
        Assert.StartsWith("not clustered: this server is a single process", members.Out, StringComparison.Ordinal);

        using var json = JsonDocument.Parse((await Ctl.RunAsync(Server, "cluster", "members", "--json")).Out);
        Assert.False(json.RootElement.GetProperty("clustered").GetBoolean());
        Assert.Equal("both", json.RootElement.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Drain_of_a_single_process_is_refused_by_the_server()
    {
        var drain = await Ctl.RunRawAsync(
            ["--token", ServerProcess.ApiToken, "cluster", "drain", "--silo-url", Server.HttpBase!.ToString(), "--timeout", "5s"]);
        Assert.Equal(ExitCodes.Refused, drain.ExitCode);
        Assert.Empty(drain.Out);
        Assert.Equal("presencectl: server said 409 Conflict: Only a silo of a cluster can be drained.", drain.Error.TrimEnd());

        Assert.Equal(ExitCodes.Usage, (await Ctl.RunAsync(Server, "cluster", "drain")).ExitCode);
    }
}
